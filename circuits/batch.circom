pragma circom 2.1.0;

// Production batch circuit: appends 4^3 = 64 leaves (32 transfers x 2 outputs) as one
// subtree of height 3 to the 16-level note tree. Public signals, in this order:
// oldRoot, newRoot, startIndex, leaves[64].

include "lib/batch.circom";

component main {public [oldRoot, newRoot, startIndex, leaves]} = BatchAppend(16, 3);
