-- 处理方式 / 告知转送日期 (DESIGN §2.2, §5.2): a matter outside the township's competence is
-- answered by telling the petitioner where to go (informed) or transferred; on disposed_on the
-- acceptance clock ends and the case is no longer open.
ALTER TABLE cases ADD COLUMN disposition TEXT;
ALTER TABLE cases ADD COLUMN disposed_on DATE;
