"""OSS: the connector to OSS RBA (Online Single Submission), the national business-licensing system: our decisions
on business licences forwarded through the outbox (channel ``oss``), OSS's status pushes stored, NIB inquiries for
officers, and a daily reconciliation that reports to admins where OSS and we disagree."""
