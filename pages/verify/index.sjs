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

function isConfig(configState, name) {
  return configState === name;
}

// Step 1 (填写信息) while the form is open, step 2 (人脸验证) once Alipay's check is opening.
function stepClass(submitting, step) {
  var current = submitting ? 2 : 1;
  if (step === current) return 'step step-current';
  return step < current ? 'step step-done' : 'step';
}

function summaryLabel(reused, copy) {
  return reused ? copy.continuingFor : copy.verifyingFor;
}

export default { isSubmitDisabled, fieldClass, submitLabel, showForm, isConfig, stepClass, summaryLabel };
