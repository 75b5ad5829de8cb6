pragma circom 2.1.0;

// The tree update of one rollup batch: the batch's new note commitments fill one whole,
// previously empty subtree of the note tree (zero-padded when the batch is not full).
// Proving the update lets the contract store newRoot without hashing anything itself.

include "circomlib/circuits/bitify.circom";
include "merkle4.circom";

template BatchAppend(levels, subtreeHeight) {
    assert(subtreeHeight >= 1 && subtreeHeight < levels);
    var pathLevels = levels - subtreeHeight;
    var width = 4 ** subtreeHeight;

    // Public inputs, in this order (the contract's order).
    signal input oldRoot;
    signal input newRoot;
    signal input startIndex;            // the contract's nextLeafIndex
    signal input leaves[width];         // the batch's commitments, then zeros

    // The path from the subtree's root to the tree root: the same for the empty and the
    // filled subtree, since appending changes nothing outside it.
    signal input pathElements[pathLevels][3];

    // startIndex = subtreeIndex * width with subtreeIndex < 4^pathLevels: the batch
    // starts at a subtree boundary (so it cannot overwrite the tail of a previous batch)
    // and fits in the tree. The quotient is a hint; the two constraints make it the only
    // possible one, and its bits are the subtree's position digits on the path.
    signal subtreeIndex <-- startIndex \ width;
    component subtreeIndexBits = Num2Bits(2 * pathLevels);
    subtreeIndexBits.in <== subtreeIndex;
    startIndex === subtreeIndex * width;

    // Before: the slot held an empty subtree, whose root is a constant. Together with
    // the alignment above, no earlier note can be overwritten.
    component before = MerkleRoot4(pathLevels);
    before.leaf <== zeroNode4(subtreeHeight);
    before.pathElements <== pathElements;
    before.positionBits <== subtreeIndexBits.out;
    before.root === oldRoot;

    // After: the same slot holds exactly `leaves`, in order.
    component subtree = SubtreeRoot4(subtreeHeight);
    subtree.leaves <== leaves;

    component after = MerkleRoot4(pathLevels);
    after.leaf <== subtree.root;
    after.pathElements <== pathElements;
    after.positionBits <== subtreeIndexBits.out;
    after.root === newRoot;
}
