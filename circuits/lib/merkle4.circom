pragma circom 2.1.0;

// The note tree: a 4-ary Merkle tree over circomlib Poseidon, node = H(c0, c1, c2, c3),
// empty leaf 0. Why 4-ary: Poseidon with 4 inputs costs ~297 constraints against ~240
// for 2, so a 2^32-leaf path costs 16 hashes of 4 instead of 32 hashes of 2.
//
// A leaf's position at level i (counted from the leaves) is digit i of its index in
// base 4, least significant first. Circuits carry that digit as two bits (b0 + 2*b1)
// taken from a Num2Bits decomposition of the index, so the path is bound to the index
// that the rest of the circuit uses (for a note: the one inside its nullifier).

include "circomlib/circuits/poseidon.circom";

// zeros[i]: the root of an empty subtree of height i (zeros[0] = 0 is the empty leaf,
// zeros[i + 1] = H(zeros[i], zeros[i], zeros[i], zeros[i])). Constants, so proving an
// empty slot costs nothing beyond the path itself. test/circuits checks this table
// against the TypeScript tree.
function zeroNode4(level) {
    assert(level >= 0 && level <= 16);
    var zeros[17] = [
        0,
        2351654555892372227640888372176282444150254868378439619268573230312091195718,
        13867732332339151465497925642082178974038372652152621168903203076445231043372,
        12482638920258770416445069396084160696706909713694235655126678204295434816978,
        7166733538749145097044835779501529184583030407883999216862943858482812218900,
        8105111289764799261118761045803039859349056024712051667352901171623997110135,
        12848805869306190323636404927060402794679102677145469772979902111093008224192,
        19558787758992270753559504143061140356952449644512620323370068802764968601369,
        12390767703375336354386586159705861191789202938804190201641874256578171062369,
        3137401155887568054342462681996579107920888172758509452834253176053621234802,
        17246586734894168265112266963200606530710644744521791774170567941230295667185,
        3579753298464347968175446964060349222759138522794226670675282662699379573112,
        5502479177772891194542009540012941542204094004749813714118505924674776464255,
        12023797624857124786560101326438313436313441099989701132514668150307392465028,
        10263213503339600742925101484637942948945771652266922481751100499603709320717,
        20734118650853257426634229445255987190193218607444720047392808113569367837624,
        9533201250583817767896570092866591469094150406835227552485691564931228351592
    ];
    return zeros[level];
}

// Places x = `child` among its three siblings s0, s1, s2 at position p = b0 + 2*b1:
//   p=0 → [x,s0,s1,s2]  p=1 → [s0,x,s1,s2]  p=2 → [s0,s1,x,s2]  p=3 → [s0,s1,s2,x]
// Seven constraints: the single product b0*b1, then one selector product per output
// (two for the middle children, which have three possible sources).
// b0 and b1 MUST be constrained to {0, 1} by the caller (Num2Bits does it); with
// non-binary "bits" the outputs are not a placement of x among the siblings.
template Place4() {
    signal input child;
    signal input siblings[3];
    signal input b0;
    signal input b1;
    signal output children[4];

    signal both <== b0 * b1;                      // p == 3

    // c0 is x only at p == 0, i.e. unless (b0 OR b1) = b0 + b1 - b0*b1.
    children[0] <== child + (b0 + b1 - both) * (siblings[0] - child);

    // c1: p=0 → s0, p=1 → x, p>=2 → s1.
    signal low1 <== siblings[0] + b0 * (child - siblings[0]);
    children[1] <== low1 + b1 * (siblings[1] - low1);

    // c2: p<=1 → s1, p=2 → x, p=3 → s2.
    signal high2 <== child + b0 * (siblings[2] - child);
    children[2] <== siblings[1] + b1 * (high2 - siblings[1]);

    // c3 is x only at p == 3.
    children[3] <== siblings[2] + both * (child - siblings[2]);
}

// The root above `leaf` given, per level, its three siblings (left to right, skipping
// its own position) and its position as two bits: positionBits[2i] + 2*positionBits[2i+1]
// is the position at level i. This is exactly Num2Bits(2*levels) of the leaf index, or
// of a subtree index for a subtree root. The caller constrains the bits to be binary.
template MerkleRoot4(levels) {
    signal input leaf;
    signal input pathElements[levels][3];
    signal input positionBits[2 * levels];
    signal output root;

    component place[levels];
    component hasher[levels];
    for (var i = 0; i < levels; i++) {
        place[i] = Place4();
        if (i == 0) {
            place[i].child <== leaf;
        } else {
            place[i].child <== hasher[i - 1].out;
        }
        place[i].siblings <== pathElements[i];
        place[i].b0 <== positionBits[2 * i];
        place[i].b1 <== positionBits[2 * i + 1];

        hasher[i] = Poseidon(4);
        hasher[i].inputs <== place[i].children;
    }
    root <== hasher[levels - 1].out;
}

// The root of a full subtree of the given height over 4^height leaves in index order
// (leaves[0] leftmost). Used by the batch circuit to hash the freshly appended leaves.
template SubtreeRoot4(height) {
    assert(height >= 1);
    var width = 4 ** height;
    signal input leaves[width];
    signal output root;

    // A complete 4-ary tree over `width` leaves has (width - 1) / 3 inner nodes. Number
    // nodes heap-style: 0..width-1 are the leaves, width + k is the output of hasher k,
    // and hasher k hashes nodes 4k..4k+3; the last hasher is the root.
    var inner = (width - 1) \ 3;
    component hasher[inner];
    for (var k = 0; k < inner; k++) {
        hasher[k] = Poseidon(4);
        for (var j = 0; j < 4; j++) {
            var node = 4 * k + j;
            if (node < width) {
                hasher[k].inputs[j] <== leaves[node];
            } else {
                hasher[k].inputs[j] <== hasher[node - width].out;
            }
        }
    }
    root <== hasher[inner - 1].out;
}
