-- Screening reads the register in the order cases came: (received_on, case_no).
DROP INDEX IF EXISTS cases_received_on;
CREATE INDEX cases_received_order ON cases (received_on, case_no);
