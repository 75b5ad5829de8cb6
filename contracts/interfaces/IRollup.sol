// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title zkpay rollup: the settlement contract of shielded payments
/// @notice Holds the note tree's roots, the spent nullifiers and the escrowed deposits, and
/// verifies every batch (its transfers' proofs and the proof of the tree update) before it
/// accepts the batch's new root. Every commitment and ciphertext is emitted, so the whole state
/// can be rebuilt from this contract's events alone.
interface IRollup {
    /// @notice A Groth16 proof; `b` holds each G2 coordinate's imaginary limb first, as the
    /// pairing precompile reads it.
    struct Groth16Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice What the contract acts on but the circuit does not compute. The proof binds
    /// `keccak256(abi.encode(extData)) mod r` as its public input `extDataHash`.
    struct ExtData {
        /// L1 recipient of a withdrawal
        address recipient;
        /// > 0 deposit, < 0 withdrawal, 0 private transfer
        int256 extAmount;
        /// paid to the batch submitter's fee recipient, in the transaction's asset
        uint256 fee;
        /// ephemeral x25519 key of the output ciphertexts
        bytes32 epk;
        bytes ciphertext0;
        bytes ciphertext1;
        bytes ciphertext2;
    }

    /// @notice One shielded transaction (2 inputs; 3 outputs: payment, change, fee note) and its public inputs, in the
    /// circuit's order: root, publicAmount, publicAsset, extDataHash, nullifiers, commitments.
    struct Transfer {
        Groth16Proof proof;
        uint256 root;
        uint256 publicAmount;
        uint256 publicAsset;
        uint256 extDataHash;
        uint256[2] nullifiers;
        uint256[3] commitments;
        ExtData extData;
    }

    /// @notice The caller is not the sequencer, and the escape hatch is shut: the sequencer has
    /// not been silent for `escapeDelay` blocks and no inclusion request is overdue. Anyone may
    /// submit from `openFromBlock` on (unless the sequencer acts first).
    error Rollup__NotSequencer(uint256 openFromBlock);
    /// @notice The inclusion request at `requestIndex` is due and the batch does not serve it:
    /// while a request is due, every transfer of a batch must be the next queued request.
    error Rollup__InclusionDue(uint256 requestIndex);
    /// @notice No inclusion request is waiting.
    error Rollup__NoInclusionRequest();
    /// @notice The transfer is not the one queued at the head of the inclusion queue.
    error Rollup__NotInclusionHead(uint256 requestIndex);
    /// @notice The request at the head of the queue can still be included, so it cannot be skipped.
    error Rollup__InclusionRequestValid(uint256 requestIndex);
    /// @notice A batch holds 1 to MAX_TRANSFERS transactions.
    error Rollup__BatchSize(uint256 transfers);
    /// @notice The batch was built on a root that is no longer the current one.
    error Rollup__StaleRoot(uint256 currentRoot, uint256 oldRoot);
    /// @notice The note tree has no room for another batch.
    error Rollup__TreeFull();
    /// @notice The new root is not an element of the scalar field.
    error Rollup__InvalidNewRoot();
    /// @notice A root or public input is not an element of the scalar field.
    error Rollup__FieldOverflow(uint256 txIndex);
    /// @notice The transaction proves against a root this contract never had.
    error Rollup__UnknownRoot(uint256 txIndex);
    /// @notice A nullifier was spent before, or earlier in the same batch.
    error Rollup__NullifierSpent(uint256 txIndex, uint256 nullifier);
    /// @notice The ext-data hash does not match `keccak256(abi.encode(extData)) mod r`.
    error Rollup__ExtDataMismatch(uint256 txIndex);
    /// @notice A ciphertext is not CIPHERTEXT_SIZE bytes: every output looks alike, and a
    /// scanning wallet reads fixed sizes.
    error Rollup__InvalidCiphertext(uint256 txIndex);
    /// @notice `publicAmount` is not `extAmount − fee (mod r)`.
    error Rollup__PublicAmountMismatch(uint256 txIndex);
    /// @notice `|extAmount|` or `fee` is not below 2^128.
    error Rollup__AmountOutOfRange(uint256 txIndex);
    /// @notice The asset is not an address, or a transaction without public flow names one.
    error Rollup__InvalidAsset(uint256 txIndex);
    /// @notice A withdrawal to the zero address.
    error Rollup__InvalidRecipient(uint256 txIndex);
    /// @notice A deposit transaction whose funds are not escrowed (never deposited, reclaimed
    /// or consumed already).
    error Rollup__DepositNotEscrowed(uint256 txIndex);
    /// @notice The batch's proofs (the transfers' and the tree update's) do not verify.
    error Rollup__InvalidProof();
    /// @notice Too little gas is left for the pairing check; resend with a higher gas limit.
    /// (Raised so that running short of gas never reads as an invalid proof.)
    error Rollup__InsufficientGas(uint256 pairingGas);
    /// @notice A deposit of zero, of 2^128 or more, with a value that does not match, or with an
    /// ext-data hash or commitment that is not a field element.
    error Rollup__InvalidDeposit();
    /// @notice The same deposit (asset, amount, ext-data hash, commitments) is escrowed already.
    error Rollup__DepositExists();
    /// @notice No such escrowed deposit.
    error Rollup__DepositUnknown();
    /// @notice Only the depositor may reclaim an escrowed deposit.
    error Rollup__NotDepositor();
    /// @notice A queued inclusion request consumes this deposit: it cannot be reclaimed until the
    /// request is served or skipped.
    error Rollup__DepositQueued();
    /// @notice `escapeDelay` must be 1 to 2^32 − 1 blocks and `depositTimeout` at most 2^32 − 1.
    error Rollup__InvalidParameters();
    /// @notice The deposit may be reclaimed from this block on, if no batch consumes it first.
    error Rollup__DepositLocked(uint256 unlockBlock);
    /// @notice Moving `asset` (zero for ETH) failed: the token is not a contract, refused the
    /// transfer or delivered another amount (fee-on-transfer tokens are not supported), or the
    /// ETH recipient refused it.
    error Rollup__TransferFailed(address asset);
    /// @notice Nothing is owed to the caller in this asset.
    error Rollup__NothingToClaim();
    /// @notice A call re-entered the contract.
    error Rollup__Reentrancy();

    /// @notice Funds escrowed for one shielded deposit transaction and its three output notes.
    event Deposited(bytes32 indexed key, address indexed depositor, address asset, uint256 amount, uint256 extDataHash, uint256[3] commitments);
    /// @notice An escrowed deposit was refunded to its depositor.
    event DepositReclaimed(bytes32 indexed key, address indexed depositor, address asset, uint256 amount);
    /// @notice A batch was accepted: the tree grew by BATCH_LEAVES leaves from `startIndex`.
    event BatchSubmitted(
        uint256 indexed batchNumber, uint256 oldRoot, uint256 newRoot, uint256 startIndex, uint256 transfers, address submitter
    );
    /// @notice One settled transaction: its nullifiers are spent and its output notes sit at
    /// leaves `leafIndex` to `leafIndex + 2`. Everything a wallet needs to find its notes.
    event TransactionSettled(
        uint256 indexed leafIndex,
        uint256[2] nullifiers,
        uint256[3] commitments,
        bytes32 epk,
        bytes ciphertext0,
        bytes ciphertext1,
        bytes ciphertext2
    );
    /// @notice A payout could not be delivered (the recipient or token refused it) and is owed
    /// instead: `claim` collects it.
    event PayoutDeferred(address indexed recipient, address asset, uint256 amount);
    /// @notice An owed amount (deferred payout or fees) was collected.
    event Claimed(address indexed account, address asset, uint256 amount);
    /// @notice A proven transfer was queued for forced inclusion: from `dueBlock` on, every batch
    /// must serve it before anything else, and anyone may submit batches until it is served.
    event InclusionRequested(uint256 indexed index, bytes32 indexed txHash, uint64 dueBlock, Transfer transfer);
    /// @notice A batch included the queued request at `index`.
    event InclusionServed(uint256 indexed index);
    /// @notice The queued request at `index` was dropped: one of its notes was spent or its
    /// deposit is no longer escrowed, so it can never be included.
    event InclusionSkipped(uint256 indexed index);

    /// @notice Escrows `amount` of `asset` (the zero address for ETH, sent as value) for the
    /// shielded deposit transaction whose ext-data hash is `extDataHash` and whose output
    /// commitments are `commitments`. Only a transaction that creates exactly those notes can
    /// consume the escrow: everything else about a deposit is public before it settles, and an
    /// escrow that did not bind the outputs could be taken by anyone who proves their own.
    /// Otherwise the depositor may reclaim it after `depositTimeout` blocks.
    /// @return key The escrow's key, `keccak256(abi.encode(asset, amount, extDataHash, commitments))`
    function deposit(address asset, uint256 amount, uint256 extDataHash, uint256[3] calldata commitments) external payable returns (bytes32 key);

    /// @notice Refunds an escrowed deposit to its depositor once `depositTimeout` blocks have
    /// passed and no batch consumed it, unless a queued inclusion request would consume it.
    function reclaimDeposit(address asset, uint256 amount, uint256 extDataHash, uint256[3] calldata commitments) external;

    /// @notice Queues a proven transfer for forced inclusion, for a user whose transactions the
    /// sequencer ignores. The transfer must be valid now (its proof, root, unspent nullifiers,
    /// ext data and, for a deposit, its escrow are checked, at the caller's expense). From
    /// `escapeDelay` blocks later every batch must serve the queue in order before anything
    /// else, and anyone may submit batches until it is served.
    /// @return index The request's position in the queue
    function requestInclusion(Transfer calldata transfer) external returns (uint256 index);

    /// @notice Drops the request at the head of the queue when it can never be included: one of
    /// its nullifiers was spent since, or its deposit was reclaimed. Anyone may call it.
    /// @param transfer The queued transfer, exactly as it was requested
    function skipInclusionRequest(Transfer calldata transfer) external;

    /// @notice Checks one transaction against the current state exactly as `submitBatch` does
    /// (the same checks in the same order, reverting with the same errors with `txIndex` 0) and
    /// verifies its proof alone: how a submitter finds the transfer that made a batch's
    /// multi-pairing fail. Reverts with `Rollup__InvalidProof` if only the proof is wrong.
    function checkTransfer(Transfer calldata transfer) external view;

    /// @notice Appends a batch of shielded transactions. The sequencer may submit at any time;
    /// anyone may while the escape hatch is open (see `escapeOpenFromBlock`). While an inclusion
    /// request is due, the batch must start with the queued requests in order.
    /// @param oldRoot The root the batch was built on: must be the current root
    /// @param newRoot The root after appending the batch's commitments (zero-padded to
    /// BATCH_LEAVES) at `nextLeafIndex`
    /// @param transfers The transactions, 1 to MAX_TRANSFERS; their outputs take leaves
    /// `nextLeafIndex + 2i` and `+ 2i + 1`
    /// @param batchProof The proof of the tree update from `oldRoot` to `newRoot`
    /// @param feeRecipient Who is owed the transactions' fees (the caller if zero)
    function submitBatch(
        uint256 oldRoot,
        uint256 newRoot,
        Transfer[] calldata transfers,
        Groth16Proof calldata batchProof,
        address feeRecipient
    ) external;

    /// @notice Pays the caller what it is owed in `asset`: fees, or payouts that were deferred.
    function claim(address asset) external;

    /// @notice The root of the note tree after the last batch.
    function currentRoot() external view returns (uint256);
    /// @notice The index of the next free leaf (a multiple of BATCH_LEAVES).
    function nextLeafIndex() external view returns (uint64);
    /// @notice The number of batches accepted so far.
    function batchCount() external view returns (uint64);
    /// @notice The block of the sequencer's last accepted batch (of deployment before the first).
    /// Batches of other submitters do not move it, so none can keep the escape hatch shut.
    function lastSequencerBatchBlock() external view returns (uint64);
    /// @notice The first block from which anyone may submit a batch: `escapeDelay` blocks after
    /// the sequencer's last batch, or earlier when an inclusion request falls due before that.
    function escapeOpenFromBlock() external view returns (uint256);
    /// @notice The inclusion queue: requests `[head, length)` wait to be served.
    function inclusionQueue() external view returns (uint256 head, uint256 length);
    /// @notice A queued request: the first 24 bytes of `keccak256(abi.encode(transfer))` and the
    /// block from which batches must serve it.
    function inclusionRequests(uint256 index) external view returns (bytes24 txHash, uint64 dueBlock);
    /// @notice Whether the tree ever had this root.
    function knownRoots(uint256 root) external view returns (bool);
    /// @notice Whether the nullifier is spent.
    function nullifierSpent(uint256 nullifier) external view returns (bool);
    /// @notice The escrow under a key: its depositor, the block it was made in (zero if none), and
    /// how many queued inclusion requests would consume it (it cannot be reclaimed while any wait).
    function escrows(bytes32 key) external view returns (address depositor, uint64 blockNumber, uint32 inclusionRequests);
    /// @notice What `account` may claim in `asset`.
    function owed(address account, address asset) external view returns (uint256);
    /// @notice The only address that may submit batches while it is active.
    function sequencer() external view returns (address);
    /// @notice Blocks of sequencer silence after which anyone may submit a batch; also the
    /// blocks an inclusion request waits before it is due.
    function escapeDelay() external view returns (uint64);
    /// @notice Blocks after which an unconsumed deposit may be reclaimed.
    function depositTimeout() external view returns (uint64);
}
