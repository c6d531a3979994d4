"""The kinds of class enrollment the rules distinguish (stored on the
enrollment, so the enum is the model's: ``models.statuses``)."""

from models.statuses import EnrollmentType as EnrollmentType
