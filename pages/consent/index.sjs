// View helpers for pages/consent/index.axml, so the template stays declarative.

function isState(state, name) {
  return state === name;
}

export default { isState };
