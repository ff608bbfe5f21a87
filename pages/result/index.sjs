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

export default { isScreen, isWaiting, waitingText, showMasked };
