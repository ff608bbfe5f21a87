// View helpers for pages/verify/index.axml, so the template stays declarative.

function isSubmitDisabled(canSubmit, submitting) {
  return !canSubmit || submitting;
}

function fieldClass(error) {
  return error ? 'field field-invalid' : 'field';
}

function submitLabel(submitting, copy) {
  return submitting ? copy.submitting : copy.submit;
}

function showForm(submitting, upgradeMessage) {
  return !submitting && !upgradeMessage;
}

export default { isSubmitDisabled, fieldClass, submitLabel, showForm };
