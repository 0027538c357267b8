"""The student worker package: the only kit code that runs beside student code."""
