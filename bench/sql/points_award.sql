-- What points_record(actor, account, rule, points, approve=True) does, in raw SQL (pgbench -M prepared).
-- (No colon may appear inside a literal: pgbench would read it as a variable.)
-- Lock the account, lock the scheme's chain head, append the claim and its approval (each sealed
-- with the same SHA-256 the service computes, so `verify` passes over these rows too), move the
-- head, the account's balances and its category balance. bench_points_scheme maps a client to its
-- scheme (client_id % nschemes), as the service-side clients are mapped.
\set rn :client_id % :nschemes
SELECT scheme_id AS sid, amin, amax, rule_id AS rid, category_id AS cid FROM bench_points_scheme WHERE rn = :rn \gset
\set aid random(:amin, :amax)
\set pts random(5, 30)
BEGIN;
SELECT total, redeemable FROM points_account WHERE id = :aid FOR UPDATE;
SELECT head_seq, head_hash,
       to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
       replace(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24 MI SS.US"Z"'), ' ', chr(58)) AS ts
  FROM points_scheme WHERE id = :sid FOR UPDATE \gset
INSERT INTO points_entry (scheme_id, seq, account_id, kind, rule_id, category_id, target_id, redemption_id,
    claimed, total_delta, redeemable_delta, month, note, council, evidence, evidence_sha256,
    recorded_by_id, recorded_at, prev_hash, hash)
VALUES (:sid, :head_seq::bigint + 1, :aid, 'award', :rid, :cid, NULL, NULL, :pts, 0, 0, :month::text, '', '', '', '',
    :uid, now(), :head_hash::text,
    encode(sha256(convert_to(format('[%s,%s,%s,"award",%s,%s,null,null,%s,0,0,"%s","","","",%s,"%s","%s"]',
        :sid::bigint, :head_seq::bigint + 1, :aid::bigint, :rid::bigint, :cid::bigint, :pts::int, :month::text,
        :uid::bigint, :ts::text, :head_hash::text), 'UTF8')), 'hex'))
RETURNING id AS claim_id, hash AS h1 \gset
INSERT INTO points_entry (scheme_id, seq, account_id, kind, rule_id, category_id, target_id, redemption_id,
    claimed, total_delta, redeemable_delta, month, note, council, evidence, evidence_sha256,
    recorded_by_id, recorded_at, prev_hash, hash)
VALUES (:sid, :head_seq::bigint + 2, :aid, 'approval', :rid, :cid, :claim_id, NULL, 0, :pts, :pts, :month::text, '', '', '', '',
    :uid, now(), :h1::text,
    encode(sha256(convert_to(format('[%s,%s,%s,"approval",%s,%s,%s,null,0,%s,%s,"%s","","","",%s,"%s","%s"]',
        :sid::bigint, :head_seq::bigint + 2, :aid::bigint, :rid::bigint, :cid::bigint, :claim_id::bigint,
        :pts::int, :pts::int, :month::text, :uid::bigint, :ts::text, :h1::text), 'UTF8')), 'hex'))
RETURNING hash AS h2 \gset
UPDATE points_scheme SET head_seq = :head_seq::bigint + 2, head_hash = :h2::text WHERE id = :sid;
UPDATE points_account SET total = total + :pts, redeemable = redeemable + :pts WHERE id = :aid;
INSERT INTO points_categorybalance (account_id, category_id, points) VALUES (:aid, :cid, :pts)
    ON CONFLICT (account_id, category_id) DO UPDATE SET points = points_categorybalance.points + EXCLUDED.points;
END;
