"""The queue (antrian): counter services, slots and bookings, tickets, calls, the estimate."""
