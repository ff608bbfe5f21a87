// View helpers for pages/result/index.axml, so the template stays declarative.

function isScreen(screen, name) {
  return screen === name;
}

function isWaiting(screen) {
  return screen === 'loading' || screen === 'pending';
}

function waitingText(screen, copy) {
  return screen === 'pending' ? copy.pendingBody : copy.loading;
}

function showMasked(screen, certNoMasked) {
  return !!certNoMasked && screen !== 'loading' && screen !== 'error';
}

// `actions` comes from the client policy, main action first.
function hasAction(actions, name) {
  return actions.indexOf(name) >= 0;
}

function buttonType(actions, name) {
  return actions[0] === name ? 'primary' : 'default';
}

// `errorKind` comes from the client policy's classifyFailure.
var ERROR_TITLE_KEYS = {
  network: 'errorTitleNetwork',
  'sign-in': 'errorTitleSignIn',
  'rate-limited': 'errorTitleRateLimited',
  'verification-over': 'errorTitleVerificationOver',
  alipay: 'errorTitleAlipay',
  service: 'errorTitleService',
};

function errorTitle(copy, errorKind) {
  return copy[ERROR_TITLE_KEYS[errorKind] || 'errorTitleService'];
}

export default { isScreen, isWaiting, waitingText, showMasked, hasAction, buttonType, errorTitle };
