// Bulk edit and merge pages: show only the value input of the chosen field, and only the
// operations it takes. Without this script every input is shown, each named by its field.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const field = form.querySelector("#id_field");
  const operation = form.querySelector("#id_operation");
  if (!field || !operation) return;
  const update = () => {
    let allowed = [];
    form.querySelectorAll(".bulk-value").forEach((row) => {
      const chosen = row.dataset.field === field.value;
      row.hidden = !chosen;
      if (chosen) allowed = row.dataset.operations.split(" ");
    });
    for (const option of operation.options) {
      option.disabled = !allowed.includes(option.value);
      option.hidden = option.disabled;
    }
    if (operation.selectedOptions[0] && operation.selectedOptions[0].disabled) {
      operation.value = allowed[0];
    }
  };
  field.addEventListener("change", update);
  update();
});
