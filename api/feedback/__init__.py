"""Feedback: the SKM survey tied to real transactions, its index as PermenPANRB 14/2017 computes it, public
replies to comments, complaints (pengaduan) answered on time, and their hand-off to SP4N-LAPOR!."""
