"""Job record: customer, technician, notes, entrusted items."""
