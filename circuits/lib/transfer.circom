pragma circom 2.1.0;

// The join-split transfer: spends two notes of one asset owned by one key and creates nOuts
// notes of the same asset, with an optional public flow in or out of the pool. Production
// has three outputs: the payment, the change and the fee note to the operator, so that a
// fee is paid inside the pool and reveals neither its amount nor its asset.
// Deposits and withdrawals are transfers with publicAmount != 0 (a withdrawal's
// publicAmount is r - amount); a dummy input has amount 0 and skips the membership check.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "merkle4.circom";

// Fails unless a != b: only a non-zero difference has an inverse. One constraint.
template AssertNotEqual() {
    signal input a;
    signal input b;
    signal inverse <-- a != b ? 1 / (a - b) : 0;
    (a - b) * inverse === 1;
}

template Transfer(levels, nOuts) {
    assert(nOuts >= 1);
    // Public inputs. snarkjs lists public inputs in declaration order, so this order is
    // the verifier's (and the contract's) order: keep it.
    signal input root;                  // any root the contract has seen
    signal input publicAmount;          // extAmount - fee (mod r); > 0 deposit, "< 0" withdrawal
    signal input publicAsset;           // the asset of the public flow
    signal input extDataHash;           // keccak(recipient, fee, ciphertexts, ...) mod r
    signal input inputNullifier[2];
    signal input outputCommitment[nOuts];

    // The spending key and the one asset of this transaction.
    signal input sk;
    signal input nk;
    signal input asset;

    signal input inAmount[2];
    signal input inBlinding[2];
    signal input inLeafIndex[2];
    signal input inPathElements[2][levels][3];

    signal input outAmount[nOuts];
    signal input outOwnerPk[nOuts];
    signal input outBlinding[nOuts];

    // Both inputs belong to the key that knows sk: the note's owner is H(H(sk), nk), so
    // only the spender can open it and only the holder of nk can compute its nullifier.
    signal ak <== Poseidon(1)([sk]);
    signal ownerPk <== Poseidon(2)([ak, nk]);

    // The asset is an ERC-20 address (0 for ETH). The contract reads publicAsset as an
    // address, so a value of 2^160 or more would name the same token as its low 160 bits:
    // one token would have two kinds of notes. Bounding it keeps one asset, one value.
    _ <== Num2Bits(160)(asset);

    component inIndexBits[2];
    component inRoot[2];
    component inRootCheck[2];
    signal inCommitment[2];
    signal inNullifier[2];
    for (var i = 0; i < 2; i++) {
        // Amounts < 2^128: sums of a few stay far below r, so both sides of the balance
        // below are exact integers and publicAmount is their difference mod r (a bounded
        // extAmount - fee, checked by the contract). An amount of r - 1 would be -1.
        _ <== Num2Bits(128)(inAmount[i]);

        inCommitment[i] <== Poseidon(4)([asset, inAmount[i], ownerPk, inBlinding[i]]);

        // nf = H(nk, cm, leafIndex): the index makes two equal notes spendable once each.
        inNullifier[i] <== Poseidon(3)([nk, inCommitment[i], inLeafIndex[i]]);
        inNullifier[i] === inputNullifier[i];

        // The Merkle path positions are the base-4 digits of the same index that is in
        // the nullifier, so a note cannot be spent twice under two different indices.
        // 2*levels bits also bound the index to the tree's capacity.
        inIndexBits[i] = Num2Bits(2 * levels);
        inIndexBits[i].in <== inLeafIndex[i];

        inRoot[i] = MerkleRoot4(levels);
        inRoot[i].leaf <== inCommitment[i];
        inRoot[i].pathElements <== inPathElements[i];
        inRoot[i].positionBits <== inIndexBits[i].out;

        // Membership is required for every note of non-zero value; a zero-amount input
        // is a dummy (deposits have two) and may use any path.
        inRootCheck[i] = ForceEqualIfEnabled();
        inRootCheck[i].enabled <== inAmount[i];
        inRootCheck[i].in[0] <== root;
        inRootCheck[i].in[1] <== inRoot[i].root;
    }

    // Equal nullifiers are one note counted twice in the balance. The contract would catch
    // it only if it marked the first nullifier before checking the second; the proof rules
    // it out whatever the contract's order.
    component distinctNullifiers = AssertNotEqual();
    distinctNullifiers.a <== inputNullifier[0];
    distinctNullifiers.b <== inputNullifier[1];

    signal outCommitment[nOuts];
    var outSum = 0;
    for (var i = 0; i < nOuts; i++) {
        _ <== Num2Bits(128)(outAmount[i]);
        outSum += outAmount[i];

        outCommitment[i] <== Poseidon(4)([asset, outAmount[i], outOwnerPk[i], outBlinding[i]]);
        outCommitment[i] === outputCommitment[i];
    }

    // Value is conserved: what goes in (notes plus the public flow) comes out as notes.
    inAmount[0] + inAmount[1] + publicAmount === outSum;

    // A public flow reveals its asset (the contract moves that token); a pure transfer
    // (publicAmount == 0) leaves publicAsset unconstrained and hides the asset.
    publicAmount * (publicAsset - asset) === 0;

    // extDataHash takes part in no other constraint; squaring it makes it an explicit
    // term of the proof, so a proof cannot be replayed with other recipient, fee or
    // ciphertexts (Tornado Nova does the same).
    signal extDataSquare <== extDataHash * extDataHash;
}
