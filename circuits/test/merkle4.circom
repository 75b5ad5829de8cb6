pragma circom 2.1.0;

// Test-only wrapper: MerkleRoot4 driven by a leaf index, as Transfer drives it, so tests can
// compare the circuit's root with the TypeScript tree for every position at every level.

include "circomlib/circuits/bitify.circom";
include "../lib/merkle4.circom";

template MerkleRoot4FromIndex(levels) {
    signal input leaf;
    signal input leafIndex;
    signal input pathElements[levels][3];
    signal output root;

    component indexBits = Num2Bits(2 * levels);
    indexBits.in <== leafIndex;

    component merkle = MerkleRoot4(levels);
    merkle.leaf <== leaf;
    merkle.pathElements <== pathElements;
    merkle.positionBits <== indexBits.out;
    root <== merkle.root;
}
