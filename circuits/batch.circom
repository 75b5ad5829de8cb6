pragma circom 2.1.0;

// Production batch circuit: appends 4^3 = 64 leaves (up to 21 transfers x 3 outputs, then
// zeros) as one subtree of height 3 to the 16-level note tree. Public signals, in this order:
// oldRoot, newRoot, startIndex, leaves[64].

include "lib/batch.circom";

component main {public [oldRoot, newRoot, startIndex, leaves]} = BatchAppend(16, 3);
