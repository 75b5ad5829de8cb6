// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Benchmarks only: announces batches exactly as the zkpay Rollup does (the same events,
/// one L1 transaction per batch) without proofs, so that a wallet's sync from L1 can be measured
/// over thousands of outputs that would take hours to prove.
contract EventReplay {
    event BatchSubmitted(
        uint256 indexed batchNumber, uint256 oldRoot, uint256 newRoot, uint256 startIndex, uint256 transfers, address submitter
    );
    event TransactionSettled(
        uint256 indexed leafIndex,
        uint256[2] nullifiers,
        uint256[3] commitments,
        bytes32 epk,
        bytes ciphertext0,
        bytes ciphertext1,
        bytes ciphertext2
    );

    /// @dev Output notes per transaction (payment, change, fee note), as in the Rollup
    uint256 internal constant OUTPUTS = 3;

    struct Settled {
        uint256[2] nullifiers;
        uint256[3] commitments;
        bytes32 epk;
        bytes ciphertext0;
        bytes ciphertext1;
        bytes ciphertext2;
    }

    function replay(uint256 batchNumber, uint256 oldRoot, uint256 newRoot, uint256 startIndex, Settled[] calldata txs) external {
        emit BatchSubmitted(batchNumber, oldRoot, newRoot, startIndex, txs.length, msg.sender);
        for (uint256 i; i < txs.length; ++i) {
            Settled calldata t = txs[i];
            emit TransactionSettled(startIndex + OUTPUTS * i, t.nullifiers, t.commitments, t.epk, t.ciphertext0, t.ciphertext1, t.ciphertext2);
        }
    }
}
