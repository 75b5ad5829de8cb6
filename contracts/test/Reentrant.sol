// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TestToken} from "./TestToken.sol";

/// @dev Replays a prepared call into the rollup and remembers how it ended.
/// The outcome shares one storage slot with the target, so that recording it fits in the
/// rollup's payout gas allowance.
abstract contract Reenterer {
    address public target;
    bool public attempted;
    bool public reentrySucceeded;
    bytes4 public reentryError;
    bytes public reentryCall;

    /// @notice Arms the attack: the next payment received calls `target` with `data`
    function arm(address target_, bytes calldata data) external {
        target = target_;
        reentryCall = data;
    }

    function _reenter() internal {
        if (target == address(0) || attempted) return;
        attempted = true;
        (bool ok, bytes memory err) = target.call(reentryCall);
        reentrySucceeded = ok;
        reentryError = bytes4(err);
    }
}

/// @title A token that calls back into the rollup from inside transfer and transferFrom
contract ReentrantToken is TestToken, Reenterer {
    constructor() TestToken("Reentrant", "REN", 18) {}

    function transfer(address to, uint256 amount) public override returns (bool) {
        _reenter();
        return super.transfer(to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        _reenter();
        return super.transferFrom(from, to, amount);
    }
}

/// @title A withdrawal recipient that calls back into the rollup when paid
contract ReentrantRecipient is Reenterer {
    receive() external payable {
        _reenter();
    }
}

/// @title A withdrawal recipient that refuses every payment
contract RefusingRecipient {
    bool public accepting;

    function setAccepting(bool accepting_) external {
        accepting = accepting_;
    }

    receive() external payable {
        require(accepting, "refused");
    }

    /// @notice Collects what the rollup owes this contract
    function claimFrom(address rollup, address asset) external {
        (bool ok, bytes memory err) = rollup.call(abi.encodeWithSignature("claim(address)", asset));
        if (!ok) {
            assembly {
                revert(add(err, 0x20), mload(err))
            }
        }
    }
}
