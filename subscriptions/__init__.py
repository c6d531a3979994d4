"""Fan-out of live events to subscribers: broadcaster behind one module of ours."""
