-- What store.redeem(actor, account, goods, 1, request_key) does, in raw SQL (pgbench -M prepared).
-- (No colon may appear inside a literal: pgbench would read it as a variable.)
-- Lock the account, look for the request key, lock the goods, check points and stock, insert the
-- redemption and its stock movement, lower the stock, lock the chain head, append the sealed
-- redemption entry, move the head and the account's redeemable points. One of the scheme's 10 hot
-- goods at random.
\set rn :client_id % :nschemes
SELECT scheme_id AS sid, amin, amax, gmin, gmax FROM bench_points_scheme WHERE rn = :rn \gset
\set aid random(:amin, :amax)
\set gid random(:gmin, :gmax)
SELECT 'pgbench-' || nextval('bench_points_request') AS rk \gset
BEGIN;
SELECT redeemable FROM points_account WHERE id = :aid FOR UPDATE \gset
SELECT count(*) AS dup FROM points_redemption WHERE scheme_id = :sid AND request_key = :rk::text \gset
SELECT price, stock, name AS gname FROM points_goods WHERE id = :gid FOR UPDATE \gset
\if :redeemable >= :price and :stock >= 1 and :dup = 0
INSERT INTO points_redemption (scheme_id, account_id, goods_id, quantity, unit_price, points, request_key, state,
    window_id, created_by_id, created_at, cancel_reason)
VALUES (:sid, :aid, :gid, 1, :price, :price, :rk::text, 'placed', NULL, :uid, now(), '')
RETURNING id AS red_id \gset
INSERT INTO points_stockmovement (goods_id, kind, delta, donor_id, redemption_id, note, by_id, at)
VALUES (:gid, 'redemption', -1, NULL, :red_id, '', :uid, now());
UPDATE points_goods SET stock = stock - 1 WHERE id = :gid;
SELECT head_seq, head_hash,
       to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
       replace(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24 MI SS.US"Z"'), ' ', chr(58)) AS ts
  FROM points_scheme WHERE id = :sid FOR UPDATE \gset
INSERT INTO points_entry (scheme_id, seq, account_id, kind, rule_id, category_id, target_id, redemption_id,
    claimed, total_delta, redeemable_delta, month, note, council, evidence, evidence_sha256,
    recorded_by_id, recorded_at, prev_hash, hash)
VALUES (:sid, :head_seq::bigint + 1, :aid, 'redemption', NULL, NULL, NULL, :red_id, 0, 0, - :price::int,
    :month::text, :gname::text || ' × 1', '', '', '', :uid, now(), :head_hash::text,
    encode(sha256(convert_to(format('[%s,%s,%s,"redemption",null,null,null,%s,0,0,%s,"%s","%s × 1","","",%s,"%s","%s"]',
        :sid::bigint, :head_seq::bigint + 1, :aid::bigint, :red_id::bigint, - :price::int, :month::text,
        :gname::text, :uid::bigint, :ts::text, :head_hash::text), 'UTF8')), 'hex'))
RETURNING hash AS h1 \gset
UPDATE points_scheme SET head_seq = :head_seq::bigint + 1, head_hash = :h1::text WHERE id = :sid;
UPDATE points_account SET redeemable = redeemable - :price WHERE id = :aid;
END;
\else
ROLLBACK;
\endif
