-- Batch proofs were stored with variable-width hex coordinates; zkpay has one wire format for
-- proofs (src/circuits/codec.ts: 0x and 64 hex digits). Pad the stored ones to that width.
UPDATE `batches` SET `proof` = json_set(`proof`,
  '$.a[0]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.a[0]'), 3), -64),
  '$.a[1]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.a[1]'), 3), -64),
  '$.b[0][0]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.b[0][0]'), 3), -64),
  '$.b[0][1]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.b[0][1]'), 3), -64),
  '$.b[1][0]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.b[1][0]'), 3), -64),
  '$.b[1][1]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.b[1][1]'), 3), -64),
  '$.c[0]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.c[0]'), 3), -64),
  '$.c[1]', '0x' || substr('0000000000000000000000000000000000000000000000000000000000000000' || substr(json_extract(proof, '$.c[1]'), 3), -64)
) WHERE `proof` IS NOT NULL;
