pragma circom 2.1.0;

// Production transfer circuit: 2 inputs, 3 outputs (payment, change, fee note), a 4-ary note
// tree of 16 levels (4^16 = 2^32 notes). Public signals, in this order: root, publicAmount,
// publicAsset, extDataHash, inputNullifier[2], outputCommitment[3].

include "lib/transfer.circom";

component main {public [root, publicAmount, publicAsset, extDataHash, inputNullifier, outputCommitment]} = Transfer(16, 3);
