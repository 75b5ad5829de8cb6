// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRollup} from "./interfaces/IRollup.sol";
import {VerifyingKeys as VK} from "./verifiers/VerifyingKeys.sol";

/// @title zkpay rollup
/// @notice See {IRollup}. The chain never hashes Poseidon: a batch proof shows that writing the
/// batch's commitments into the next empty subtree moves `oldRoot` to `newRoot`, and the
/// contract only checks proofs, nullifiers and money.
contract Rollup is IRollup {
    /// @dev BN254 scalar field (public inputs) and base field (point coordinates)
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev Amounts in the circuit are below 2^128, and so are `|extAmount|` and `fee` here
    uint256 internal constant AMOUNT_LIMIT = 1 << 128;
    uint256 internal constant TREE_CAPACITY = 4 ** VK.TREE_LEVELS;
    /// @dev Every note ciphertext has this size (src/crypto/noteEncryption.ts), so that all
    /// outputs look alike and a scanning wallet can rely on it
    uint256 internal constant CIPHERTEXT_SIZE = 214;
    /// @dev Output notes per transaction (payment, change, fee note): its leaves in the batch
    uint256 internal constant OUTPUTS = 3;
    /// @dev Public inputs of a transfer proof besides the constant 1
    uint256 internal constant PUBLIC_INPUTS = 6 + OUTPUTS;
    /// @dev Gas a withdrawal payout may use: enough for a smart-contract wallet, too little to
    /// grief the batch. A payout that fails is owed instead, so no recipient can block a batch.
    uint256 internal constant ETH_PAYOUT_GAS = 50_000;
    uint256 internal constant TOKEN_PAYOUT_GAS = 100_000;
    /// @dev Transient-storage slot of the reentrancy lock
    uint256 internal constant LOCK_SLOT = uint256(keccak256("zkpay.rollup.lock"));

    struct Escrow {
        address depositor;
        uint64 blockNumber;
        /// @dev Queued inclusion requests that consume this escrow: while any waits, the escrow
        /// cannot be reclaimed, so nobody can make the batch that serves it revert.
        uint32 inclusionRequests;
    }

    /// @dev One slot: 192 bits of the transfer's hash are ample against collisions (2^96 work)
    struct InclusionRequest {
        bytes24 txHash;
        uint64 dueBlock;
    }

    /// @inheritdoc IRollup
    address public immutable sequencer;
    /// @inheritdoc IRollup
    uint64 public immutable escapeDelay;
    /// @inheritdoc IRollup
    uint64 public immutable depositTimeout;

    /// @inheritdoc IRollup
    uint256 public currentRoot;
    /// @inheritdoc IRollup
    uint64 public nextLeafIndex;
    /// @inheritdoc IRollup
    uint64 public batchCount;
    /// @inheritdoc IRollup
    uint64 public lastSequencerBatchBlock;
    /// @dev The inclusion queue is [inclusionHead, inclusionLength); both share the slot above.
    uint32 internal inclusionHead;
    uint32 internal inclusionLength;

    /// @inheritdoc IRollup
    mapping(uint256 root => bool) public knownRoots;
    /// @inheritdoc IRollup
    mapping(uint256 nullifier => bool) public nullifierSpent;
    /// @inheritdoc IRollup
    mapping(bytes32 key => Escrow) public escrows;
    /// @inheritdoc IRollup
    mapping(address account => mapping(address asset => uint256)) public owed;
    /// @inheritdoc IRollup
    mapping(uint256 index => InclusionRequest) public inclusionRequests;

    modifier nonReentrant() {
        uint256 slot = LOCK_SLOT;
        bool locked;
        assembly ("memory-safe") {
            locked := tload(slot)
            tstore(slot, 1)
        }
        if (locked) revert Rollup__Reentrancy();
        _;
        assembly ("memory-safe") {
            tstore(slot, 0)
        }
    }

    /// @param sequencer_ The address allowed to submit batches while it is active
    /// @param escapeDelay_ Blocks without a batch after which anyone may submit one
    /// @param depositTimeout_ Blocks after which an unconsumed deposit may be reclaimed
    constructor(address sequencer_, uint64 escapeDelay_, uint64 depositTimeout_) {
        // A delay of zero would let anyone post in front of every sequencer batch; one beyond
        // 2^32 blocks would overflow a request's due block and disable forced inclusion.
        if (escapeDelay_ == 0 || escapeDelay_ > type(uint32).max || depositTimeout_ > type(uint32).max) revert Rollup__InvalidParameters();
        sequencer = sequencer_;
        escapeDelay = escapeDelay_;
        depositTimeout = depositTimeout_;
        currentRoot = VK.EMPTY_ROOT;
        knownRoots[VK.EMPTY_ROOT] = true;
        lastSequencerBatchBlock = uint64(block.number);
    }

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc IRollup
    function deposit(address asset, uint256 amount, uint256 extDataHash, uint256[3] calldata commitments)
        external
        payable
        nonReentrant
        returns (bytes32 key)
    {
        if (amount == 0 || amount >= AMOUNT_LIMIT || extDataHash >= R || commitments[0] >= R || commitments[1] >= R || commitments[2] >= R) {
            revert Rollup__InvalidDeposit();
        }
        if (msg.value != (asset == address(0) ? amount : 0)) revert Rollup__InvalidDeposit();
        key = _escrowKey(asset, amount, extDataHash, commitments);
        if (escrows[key].depositor != address(0)) revert Rollup__DepositExists();
        escrows[key] = Escrow(msg.sender, uint64(block.number), 0);
        if (asset != address(0)) _pullToken(asset, amount);
        emit Deposited(key, msg.sender, asset, amount, extDataHash, commitments);
    }

    /// @inheritdoc IRollup
    function reclaimDeposit(address asset, uint256 amount, uint256 extDataHash, uint256[3] calldata commitments) external nonReentrant {
        bytes32 key = _escrowKey(asset, amount, extDataHash, commitments);
        Escrow memory escrow = escrows[key];
        if (escrow.depositor == address(0)) revert Rollup__DepositUnknown();
        if (escrow.depositor != msg.sender) revert Rollup__NotDepositor();
        if (escrow.inclusionRequests > 0) revert Rollup__DepositQueued();
        uint256 unlockBlock = uint256(escrow.blockNumber) + depositTimeout;
        if (block.number < unlockBlock) revert Rollup__DepositLocked(unlockBlock);
        delete escrows[key];
        if (!_send(msg.sender, asset, amount, gasleft())) revert Rollup__TransferFailed(asset);
        emit DepositReclaimed(key, msg.sender, asset, amount);
    }

    /// @inheritdoc IRollup
    function claim(address asset) external nonReentrant {
        uint256 amount = owed[msg.sender][asset];
        if (amount == 0) revert Rollup__NothingToClaim();
        owed[msg.sender][asset] = 0;
        if (!_send(msg.sender, asset, amount, gasleft())) revert Rollup__TransferFailed(asset);
        emit Claimed(msg.sender, asset, amount);
    }

    // ---------------------------------------------------------------- batches

    /// @inheritdoc IRollup
    function submitBatch(
        uint256 oldRoot,
        uint256 newRoot,
        Transfer[] calldata transfers,
        Groth16Proof calldata batchProof,
        address feeRecipient
    ) external nonReentrant {
        bool fromSequencer = msg.sender == sequencer;
        if (!fromSequencer) {
            uint256 openFromBlock = escapeOpenFromBlock();
            if (block.number < openFromBlock) revert Rollup__NotSequencer(openFromBlock);
        }
        uint256 n = transfers.length;
        if (n == 0 || n > VK.MAX_TRANSFERS) revert Rollup__BatchSize(n);
        if (oldRoot != currentRoot) revert Rollup__StaleRoot(currentRoot, oldRoot);
        if (newRoot >= R) revert Rollup__InvalidNewRoot();
        uint256 startIndex = nextLeafIndex;
        if (startIndex + VK.BATCH_LEAVES > TREE_CAPACITY) revert Rollup__TreeFull();
        uint256[] memory withdrawals = _acceptTransfers(transfers, feeRecipient == address(0) ? msg.sender : feeRecipient);
        _verifyProofs(oldRoot, newRoot, startIndex, transfers, batchProof);

        currentRoot = newRoot;
        knownRoots[newRoot] = true;
        nextLeafIndex = uint64(startIndex + VK.BATCH_LEAVES);
        if (fromSequencer) lastSequencerBatchBlock = uint64(block.number);
        uint64 batchNumber = batchCount;
        batchCount = batchNumber + 1;
        emit BatchSubmitted(batchNumber, oldRoot, newRoot, startIndex, n, msg.sender);
        for (uint256 i; i < n; ++i) {
            Transfer calldata t = transfers[i];
            emit TransactionSettled(
                startIndex + OUTPUTS * i, t.nullifiers, t.commitments, t.extData.epk, t.extData.ciphertext0, t.extData.ciphertext1, t.extData.ciphertext2
            );
        }

        // Interactions last. A recipient that refuses its payout is owed it instead.
        for (uint256 i; i < n; ++i) {
            uint256 amount = withdrawals[i];
            if (amount == 0) continue;
            Transfer calldata t = transfers[i];
            address asset = address(uint160(t.publicAsset));
            address recipient = t.extData.recipient;
            if (!_send(recipient, asset, amount, asset == address(0) ? ETH_PAYOUT_GAS : TOKEN_PAYOUT_GAS)) {
                owed[recipient][asset] += amount;
                emit PayoutDeferred(recipient, asset, amount);
            }
        }
    }

    /// @dev The checks and the effects that need no outside call: the inclusion queue,
    /// nullifiers, escrows, fees.
    /// @return withdrawals What to pay out per transaction (0 if none)
    function _acceptTransfers(Transfer[] calldata transfers, address feeTo) private returns (uint256[] memory withdrawals) {
        uint256 n = transfers.length;
        uint256 head = inclusionHead;
        uint256 length = inclusionLength;
        withdrawals = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            Transfer calldata t = transfers[i];
            if (head < length) {
                // Queued requests are served in order; while the head is due, nothing else goes
                // first, whoever submits (the sequencer cannot post around a user's request).
                InclusionRequest memory request = inclusionRequests[head];
                if (_transferHash(t) == request.txHash) {
                    emit InclusionServed(head);
                    ++head;
                } else if (block.number >= request.dueBlock) {
                    revert Rollup__InclusionDue(head);
                }
            }
            withdrawals[i] = _acceptTransfer(t, i, feeTo);
        }
        if (head != inclusionHead) inclusionHead = uint32(head);
    }

    /// @inheritdoc IRollup
    function escapeOpenFromBlock() public view returns (uint256 openFromBlock) {
        openFromBlock = uint256(lastSequencerBatchBlock) + escapeDelay;
        uint256 head = inclusionHead;
        if (head < inclusionLength) {
            uint256 due = inclusionRequests[head].dueBlock;
            if (due < openFromBlock) openFromBlock = due;
        }
    }

    // ---------------------------------------------------------------- forced inclusion

    /// @inheritdoc IRollup
    function requestInclusion(Transfer calldata transfer) external returns (uint256 index) {
        (, bytes32 escrowKey) = _checkTransfer(transfer, 0);
        if (!_verifyTransferProof(transfer)) revert Rollup__InvalidProof();
        // The deposit it consumes stays until the request is served or skipped.
        if (escrowKey != bytes32(0)) ++escrows[escrowKey].inclusionRequests;
        index = inclusionLength;
        inclusionLength = uint32(index + 1);
        uint64 dueBlock = uint64(block.number) + escapeDelay;
        bytes32 txHash = keccak256(abi.encode(transfer));
        inclusionRequests[index] = InclusionRequest(bytes24(txHash), dueBlock);
        emit InclusionRequested(index, txHash, dueBlock, transfer);
    }

    /// @inheritdoc IRollup
    function skipInclusionRequest(Transfer calldata transfer) external {
        uint256 head = inclusionHead;
        if (head >= inclusionLength) revert Rollup__NoInclusionRequest();
        if (_transferHash(transfer) != inclusionRequests[head].txHash) revert Rollup__NotInclusionHead(head);
        // The transfer passed every check when it was queued and its proof stays valid, and
        // roots are never forgotten: only a spent note or a vanished escrow can stop it now.
        bool stale = nullifierSpent[transfer.nullifiers[0]] || nullifierSpent[transfer.nullifiers[1]];
        if (transfer.extData.extAmount > 0) {
            bytes32 key = _escrowKey(address(uint160(transfer.publicAsset)), uint256(transfer.extData.extAmount), transfer.extDataHash, transfer.commitments);
            Escrow storage escrow = escrows[key];
            if (escrow.depositor == address(0)) {
                stale = true;
            } else if (stale && escrow.inclusionRequests > 0) {
                // A request spending a note spent since leaves the escrow it would have consumed.
                // (The count may already be 0: the escrow it counted on was consumed by another
                // transaction with the same key and made again; a skip must never revert.)
                --escrow.inclusionRequests;
            }
        }
        if (!stale) revert Rollup__InclusionRequestValid(head);
        inclusionHead = uint32(head + 1);
        emit InclusionSkipped(head);
    }

    /// @inheritdoc IRollup
    function inclusionQueue() external view returns (uint256 head, uint256 length) {
        return (inclusionHead, inclusionLength);
    }

    /// @inheritdoc IRollup
    function checkTransfer(Transfer calldata transfer) external view {
        _checkTransfer(transfer, 0);
        if (!_verifyTransferProof(transfer)) revert Rollup__InvalidProof();
    }

    /// @dev Checks one transaction's public inputs against the contract's state and its ext
    /// data, spends its nullifiers, consumes its deposit and credits its fee.
    /// @return withdrawal The amount to pay out to `extData.recipient` (0 if none)
    function _acceptTransfer(Transfer calldata t, uint256 i, address feeTo) private returns (uint256 withdrawal) {
        bytes32 escrowKey;
        (withdrawal, escrowKey) = _checkTransfer(t, i);
        nullifierSpent[t.nullifiers[0]] = true;
        nullifierSpent[t.nullifiers[1]] = true;
        if (escrowKey != bytes32(0)) delete escrows[escrowKey];
        uint256 fee = t.extData.fee;
        if (fee > 0) owed[feeTo][address(uint160(t.publicAsset))] += fee;
    }

    /// @dev Every check of one transaction but its proof, cheapest first: the order the
    /// sequencer's admission follows, so that both name the same first fault.
    /// @return withdrawal The amount to pay out to `extData.recipient` (0 if none)
    /// @return escrowKey The escrow a deposit consumes (zero if none)
    function _checkTransfer(Transfer calldata t, uint256 i) private view returns (uint256 withdrawal, bytes32 escrowKey) {
        // An input at or above r would verify as its reduction mod r: a second spelling of the
        // same nullifier would spend a note twice.
        if (
            t.root >= R || t.publicAmount >= R || t.extDataHash >= R || t.nullifiers[0] >= R || t.nullifiers[1] >= R
                || t.commitments[0] >= R || t.commitments[1] >= R || t.commitments[2] >= R
        ) revert Rollup__FieldOverflow(i);
        if (t.publicAsset > type(uint160).max) revert Rollup__InvalidAsset(i);
        if (
            t.extData.ciphertext0.length != CIPHERTEXT_SIZE || t.extData.ciphertext1.length != CIPHERTEXT_SIZE
                || t.extData.ciphertext2.length != CIPHERTEXT_SIZE
        ) {
            revert Rollup__InvalidCiphertext(i);
        }
        if (_hashExtData(t.extData) != t.extDataHash) revert Rollup__ExtDataMismatch(i);

        int256 extAmount = t.extData.extAmount;
        uint256 fee = t.extData.fee;
        if (fee >= AMOUNT_LIMIT || extAmount <= -int256(AMOUNT_LIMIT) || extAmount >= int256(AMOUNT_LIMIT)) {
            revert Rollup__AmountOutOfRange(i);
        }
        int256 flow = extAmount - int256(fee);
        if (t.publicAmount != (flow >= 0 ? uint256(flow) : R - uint256(-flow))) revert Rollup__PublicAmountMismatch(i);
        if (flow == 0) {
            // No public flow: the circuit leaves the asset unbound, so nothing may move.
            if (extAmount != 0) revert Rollup__PublicAmountMismatch(i);
            if (t.publicAsset != 0) revert Rollup__InvalidAsset(i);
        }
        if (extAmount < 0) {
            if (t.extData.recipient == address(0)) revert Rollup__InvalidRecipient(i);
            withdrawal = uint256(-extAmount);
        }

        if (!knownRoots[t.root]) revert Rollup__UnknownRoot(i);
        // Equal nullifiers are ruled out by the proof too; checked here so that this check and
        // a batch (which spends the first before it looks at the second) agree.
        if (nullifierSpent[t.nullifiers[0]]) revert Rollup__NullifierSpent(i, t.nullifiers[0]);
        if (nullifierSpent[t.nullifiers[1]] || t.nullifiers[1] == t.nullifiers[0]) revert Rollup__NullifierSpent(i, t.nullifiers[1]);
        if (extAmount > 0) {
            // The key binds the outputs: only the transaction that creates the depositor's own
            // notes can take the escrow.
            escrowKey = _escrowKey(address(uint160(t.publicAsset)), uint256(extAmount), t.extDataHash, t.commitments);
            if (escrows[escrowKey].depositor == address(0)) revert Rollup__DepositNotEscrowed(i);
        }
    }

    // ---------------------------------------------------------------- proofs

    /// @dev Verifies every transfer proof and the batch proof with one multi-pairing.
    ///
    /// Each Groth16 proof i claims e(A_i, B_i) = e(α, β)·e(X_i, γ)·e(C_i, δ), where X_i folds its
    /// public inputs into the key's IC points. With weights r_i drawn from keccak of the whole
    /// call (after the prover committed to everything), the product over i of the r_i-th
    /// powers is one pairing check of n + 6 pairs:
    ///   Π e(r_i·A_i, B_i) · e(−Σr_i·α_t, β_t) · e(−(ΣX), γ) · e(−Σr_i·C_i, δ_t)
    ///     · e(A_b, B_b) · e(−α_b, β_b) · e(−C_b, δ_b) = 1
    /// Σ r_i·X_i needs no point per proof: the weights fold into the public inputs in the
    /// scalar field, so each transfer costs 2 ecMul (A_i, C_i), 3 for its leaves in the batch
    /// key, and one pairing pair. Both keys share γ (snarkjs sets it to the G2 generator), so
    /// their γ terms add up; the batch proof takes weight 1.
    function _verifyProofs(
        uint256 oldRoot,
        uint256 newRoot,
        uint256 startIndex,
        Transfer[] calldata transfers,
        Groth16Proof calldata batchProof
    ) private view {
        uint256 seed;
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, 0, calldatasize())
            seed := keccak256(p, calldatasize())
        }
        Accumulator memory acc = _accumulateTransfers(transfers, seed);
        // The batch proof's public inputs; its leaves were added per transfer.
        bytes memory batchIC = VK.B_IC;
        _mulAddIC(acc.gammaTerm, batchIC, 0, 1);
        _mulAddIC(acc.gammaTerm, batchIC, 1, oldRoot);
        _mulAddIC(acc.gammaTerm, batchIC, 2, newRoot);
        _mulAddIC(acc.gammaTerm, batchIC, 3, startIndex);
        _closePairs(acc, transfers.length, batchProof);

        if (!_pairing(acc.pairs)) revert Rollup__InvalidProof();
    }

    /// @dev One transfer proof on its own: e(A, B) = e(α, β)·e(X, γ)·e(C, δ), four pairs.
    /// A and C pass through ecMul as in the batch check, so both accept the same encodings.
    function _verifyTransferProof(Transfer calldata t) private view returns (bool) {
        bytes memory ic = VK.T_IC;
        uint256[2] memory x;
        _mulAddIC(x, ic, 0, 1);
        _mulAddIC(x, ic, 1, t.root);
        _mulAddIC(x, ic, 2, t.publicAmount);
        _mulAddIC(x, ic, 3, t.publicAsset);
        _mulAddIC(x, ic, 4, t.extDataHash);
        _mulAddIC(x, ic, 5, t.nullifiers[0]);
        _mulAddIC(x, ic, 6, t.nullifiers[1]);
        _mulAddIC(x, ic, 7, t.commitments[0]);
        _mulAddIC(x, ic, 8, t.commitments[1]);
        _mulAddIC(x, ic, 9, t.commitments[2]);
        uint256[2] memory a;
        _mulAdd(a, t.proof.a[0], t.proof.a[1], 1);
        uint256[2] memory c;
        _mulAdd(c, t.proof.c[0], t.proof.c[1], 1);
        uint256[] memory pairs = new uint256[](24);
        _setPair(pairs, 0, a[0], a[1], t.proof.b);
        _store6(pairs, 6, VK.T_ALPHA_X, _negate(VK.T_ALPHA_Y), VK.T_BETA_X1, VK.T_BETA_X0, VK.T_BETA_Y1, VK.T_BETA_Y0);
        _store6(pairs, 12, x[0], _negate(x[1]), VK.GAMMA_X1, VK.GAMMA_X0, VK.GAMMA_Y1, VK.GAMMA_Y0);
        _store6(pairs, 18, c[0], _negate(c[1]), VK.T_DELTA_X1, VK.T_DELTA_X0, VK.T_DELTA_Y1, VK.T_DELTA_Y0);
        return _pairing(pairs);
    }

    /// @dev The pairing precompile over `pairs` (6 words a pair): true only if the product is 1.
    function _pairing(uint256[] memory pairs) private view returns (bool) {
        // EIP-1108 prices. A pairing call that runs out of gas fails like a false proof would,
        // and a sequencer must not reject good transactions for that.
        uint256 pairingGas = 45_000 + 34_000 * (pairs.length / 6);
        if (gasleft() - gasleft() / 64 < pairingGas + 2_000) revert Rollup__InsufficientGas(pairingGas);
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, add(pairs, 0x20), mul(mload(pairs), 0x20), 0, 0x20)
            result := mload(0)
        }
        // A failed call (a point off the curve or out of the subgroup, or out of gas) is a false
        // proof too: never read a failed call's empty output as an answer.
        return ok && result == 1;
    }

    /// @dev The multi-pairing's input being built, and the sums that fold into it
    struct Accumulator {
        uint256[] pairs;
        uint256[PUBLIC_INPUTS] folded; // Σ r_i · publicInput_ij
        uint256[2] sumC; // Σ r_i · C_i
        uint256[2] gammaTerm; // Σ_i r_i·X_i + X_batch
        uint256 sumR;
    }

    /// @dev One pair per transfer (r_i·A_i, B_i); the transfers' leaves into the batch key's
    /// γ term; the weighted sums of their C points and public inputs.
    function _accumulateTransfers(Transfer[] calldata transfers, uint256 seed) private view returns (Accumulator memory acc) {
        uint256 n = transfers.length;
        acc.pairs = new uint256[](6 * (n + 6));
        bytes memory batchIC = VK.B_IC;
        uint256[2] memory point;
        for (uint256 i; i < n; ++i) {
            Transfer calldata t = transfers[i];
            uint256 r;
            assembly ("memory-safe") {
                mstore(0, seed)
                mstore(0x20, i)
                r := mod(keccak256(0, 0x40), R)
            }
            acc.sumR = addmod(acc.sumR, r, R);
            _fold(acc.folded, t, r);
            point[0] = 0;
            point[1] = 0;
            _mulAdd(point, t.proof.a[0], t.proof.a[1], r);
            _setPair(acc.pairs, i, point[0], point[1], t.proof.b);
            _mulAdd(acc.sumC, t.proof.c[0], t.proof.c[1], r);
            for (uint256 k; k < OUTPUTS; ++k) {
                _mulAddIC(acc.gammaTerm, batchIC, 4 + OUTPUTS * i + k, t.commitments[k]);
            }
        }
        bytes memory transferIC = VK.T_IC;
        _mulAddIC(acc.gammaTerm, transferIC, 0, acc.sumR);
        for (uint256 j; j < PUBLIC_INPUTS; ++j) {
            _mulAddIC(acc.gammaTerm, transferIC, j + 1, acc.folded[j]);
        }
    }

    /// @dev The six pairs after the transfers' own: α, γ and δ of the transfer key, then the
    /// batch proof with weight 1.
    function _closePairs(Accumulator memory acc, uint256 n, Groth16Proof calldata batchProof) private view {
        if (batchProof.c[1] >= P) revert Rollup__InvalidProof();
        uint256[2] memory alpha;
        _mulAdd(alpha, VK.T_ALPHA_X, VK.T_ALPHA_Y, R - acc.sumR);
        uint256[] memory pairs = acc.pairs;
        uint256 o = 6 * n;
        _store6(pairs, o, alpha[0], alpha[1], VK.T_BETA_X1, VK.T_BETA_X0, VK.T_BETA_Y1, VK.T_BETA_Y0);
        _store6(pairs, o + 6, acc.gammaTerm[0], _negate(acc.gammaTerm[1]), VK.GAMMA_X1, VK.GAMMA_X0, VK.GAMMA_Y1, VK.GAMMA_Y0);
        _store6(pairs, o + 12, acc.sumC[0], _negate(acc.sumC[1]), VK.T_DELTA_X1, VK.T_DELTA_X0, VK.T_DELTA_Y1, VK.T_DELTA_Y0);
        _setPair(pairs, n + 3, batchProof.a[0], batchProof.a[1], batchProof.b);
        _store6(pairs, o + 24, VK.B_NEG_ALPHA_X, VK.B_NEG_ALPHA_Y, VK.B_BETA_X1, VK.B_BETA_X0, VK.B_BETA_Y1, VK.B_BETA_Y0);
        _store6(pairs, o + 30, batchProof.c[0], _negate(batchProof.c[1]), VK.B_DELTA_X1, VK.B_DELTA_X0, VK.B_DELTA_Y1, VK.B_DELTA_Y0);
    }

    /// @dev folded_j += r · (public input j of `t`), in the circuit's order
    function _fold(uint256[PUBLIC_INPUTS] memory folded, Transfer calldata t, uint256 r) private pure {
        folded[0] = addmod(folded[0], mulmod(r, t.root, R), R);
        folded[1] = addmod(folded[1], mulmod(r, t.publicAmount, R), R);
        folded[2] = addmod(folded[2], mulmod(r, t.publicAsset, R), R);
        folded[3] = addmod(folded[3], mulmod(r, t.extDataHash, R), R);
        folded[4] = addmod(folded[4], mulmod(r, t.nullifiers[0], R), R);
        folded[5] = addmod(folded[5], mulmod(r, t.nullifiers[1], R), R);
        folded[6] = addmod(folded[6], mulmod(r, t.commitments[0], R), R);
        folded[7] = addmod(folded[7], mulmod(r, t.commitments[1], R), R);
        folded[8] = addmod(folded[8], mulmod(r, t.commitments[2], R), R);
    }

    /// @dev acc += s · (x, y) with the ecMul and ecAdd precompiles; a zero scalar costs nothing
    function _mulAdd(uint256[2] memory acc, uint256 x, uint256 y, uint256 s) private view {
        if (s == 0) return;
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, x)
            mstore(add(p, 0x20), y)
            mstore(add(p, 0x40), s)
            ok := staticcall(gas(), 0x07, p, 0x60, add(p, 0x40), 0x40)
            mstore(p, mload(acc))
            mstore(add(p, 0x20), mload(add(acc, 0x20)))
            ok := and(ok, staticcall(gas(), 0x06, p, 0x80, acc, 0x40))
        }
        if (!ok) revert Rollup__InvalidProof();
    }

    /// @dev acc += s · IC[j], the IC points packed as x‖y words
    function _mulAddIC(uint256[2] memory acc, bytes memory ic, uint256 j, uint256 s) private view {
        if (s == 0) return;
        uint256 x;
        uint256 y;
        assembly ("memory-safe") {
            let at := add(add(ic, 0x20), mul(j, 0x40))
            x := mload(at)
            y := mload(add(at, 0x20))
        }
        if (s == 1) {
            bool ok;
            assembly ("memory-safe") {
                let p := mload(0x40)
                mstore(p, mload(acc))
                mstore(add(p, 0x20), mload(add(acc, 0x20)))
                mstore(add(p, 0x40), x)
                mstore(add(p, 0x60), y)
                ok := staticcall(gas(), 0x06, p, 0x80, acc, 0x40)
            }
            if (!ok) revert Rollup__InvalidProof();
        } else {
            _mulAdd(acc, x, y, s);
        }
    }

    /// @dev Pair i of the pairing input: the G1 point (x, y) and the proof's B
    function _setPair(uint256[] memory pairs, uint256 i, uint256 x, uint256 y, uint256[2][2] calldata b) private pure {
        _store6(pairs, 6 * i, x, y, b[0][0], b[0][1], b[1][0], b[1][1]);
    }

    function _store6(uint256[] memory pairs, uint256 o, uint256 a, uint256 b, uint256 c, uint256 d, uint256 e, uint256 f) private pure {
        assembly ("memory-safe") {
            let p := add(add(pairs, 0x20), mul(o, 0x20))
            mstore(p, a)
            mstore(add(p, 0x20), b)
            mstore(add(p, 0x40), c)
            mstore(add(p, 0x60), d)
            mstore(add(p, 0x80), e)
            mstore(add(p, 0xa0), f)
        }
    }

    /// @dev −(x, y) = (x, −y); the caller ensures y < P
    function _negate(uint256 y) private pure returns (uint256) {
        return y == 0 ? 0 : P - y;
    }

    // ---------------------------------------------------------------- helpers

    function _hashExtData(ExtData calldata extData) private pure returns (uint256 h) {
        // Hash in memory that is released afterwards: a batch hashes up to 32 of these.
        uint256 freePointer;
        assembly ("memory-safe") {
            freePointer := mload(0x40)
        }
        h = uint256(keccak256(abi.encode(extData))) % R;
        assembly ("memory-safe") {
            mstore(0x40, freePointer)
        }
    }

    function _escrowKey(address asset, uint256 amount, uint256 extDataHash, uint256[3] calldata commitments) private pure returns (bytes32) {
        return keccak256(abi.encode(asset, amount, extDataHash, commitments));
    }

    /// @dev The 24 bytes of `keccak256(abi.encode(t))` an inclusion request keeps.
    function _transferHash(Transfer calldata t) private pure returns (bytes24 h) {
        uint256 freePointer;
        assembly ("memory-safe") {
            freePointer := mload(0x40)
        }
        h = bytes24(keccak256(abi.encode(t)));
        assembly ("memory-safe") {
            mstore(0x40, freePointer)
        }
    }

    /// @dev Takes `amount` of `token` from the caller, insisting that exactly that much arrived.
    function _pullToken(address token, uint256 amount) private {
        uint256 before = _balanceOf(token);
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x23b872dd00000000000000000000000000000000000000000000000000000000) // transferFrom(address,address,uint256)
            mstore(add(p, 0x04), caller())
            mstore(add(p, 0x24), address())
            mstore(add(p, 0x44), amount)
            ok := call(gas(), token, 0, p, 0x64, 0, 0x20)
            // Tokens that return nothing (USDT and others) count as success, if they are contracts.
            ok := and(ok, or(and(eq(mload(0), 1), gt(returndatasize(), 0x1f)), and(iszero(returndatasize()), gt(extcodesize(token), 0))))
        }
        if (!ok || _balanceOf(token) != before + amount) revert Rollup__TransferFailed(token);
    }

    function _balanceOf(address token) private view returns (uint256 tokens) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0, 0x70a0823100000000000000000000000000000000000000000000000000000000) // balanceOf(address)
            mstore(0x04, address())
            ok := staticcall(gas(), token, 0, 0x24, 0, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            tokens := mload(0)
        }
        if (!ok) revert Rollup__TransferFailed(token);
    }

    /// @dev Sends ETH (asset zero) or a token with at most `gasLimit` gas; false if refused.
    /// No return data is copied beyond one word, so a recipient cannot make the copy expensive.
    function _send(address to, address asset, uint256 amount, uint256 gasLimit) private returns (bool ok) {
        assembly ("memory-safe") {
            switch asset
            case 0 { ok := call(gasLimit, to, amount, 0, 0, 0, 0) }
            default {
                let p := mload(0x40)
                mstore(p, 0xa9059cbb00000000000000000000000000000000000000000000000000000000) // transfer(address,uint256)
                mstore(add(p, 0x04), to)
                mstore(add(p, 0x24), amount)
                ok := call(gasLimit, asset, 0, p, 0x44, 0, 0x20)
                ok := and(ok, or(and(eq(mload(0), 1), gt(returndatasize(), 0x1f)), and(iszero(returndatasize()), gt(extcodesize(asset), 0))))
            }
        }
    }
}
