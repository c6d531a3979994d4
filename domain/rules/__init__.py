"""Pure Online Activity business rules: transfers, drops and class capacity."""
