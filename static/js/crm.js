// The site's behaviour on top of server-rendered pages: htmx dialogs in a Bootstrap modal
// (Bootstrap traps focus and closes on Escape), and the quote page's live amounts and total.
// Every page works without this file.
(function () {
  "use strict";

  const DIALOG_ID = "dialog";
  const CONTENT_ID = "dialog-content";

  function dialogModal() {
    const element = document.getElementById(DIALOG_ID);
    return element ? bootstrap.Modal.getOrCreateInstance(element) : null;
  }

  function focusFirstField(root) {
    const field = root.querySelector(
      ".is-invalid, .alert-danger, select:not([disabled]), input:not([type=hidden]):not([disabled]):not([type=radio]), input[type=radio]:checked, textarea, .modal-footer .btn-primary, .modal-footer .btn-danger"
    );
    if (field) {
      if (field.classList.contains("alert-danger")) {
        field.setAttribute("tabindex", "-1");
      }
      field.focus();
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target.id === CONTENT_ID) {
      const modal = dialogModal();
      if (modal) {
        modal.show();
      }
    }
    mirrorTotals();
  });

  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target.id === DIALOG_ID) {
      focusFirstField(event.target);
    }
  });

  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target.id === DIALOG_ID) {
      document.getElementById(CONTENT_ID).replaceChildren();
    }
  });

  // A dialog re-rendered with a refusal: move the focus to the message.
  document.addEventListener("htmx:afterSettle", function (event) {
    const element = event.detail.elt;
    if (element && element.closest && element.closest("#" + CONTENT_ID)) {
      const alert = element.querySelector(".alert-danger, .is-invalid");
      if (alert) {
        focusFirstField(element);
      }
    }
  });

  // The session ended: the request was answered by the login page. Go there for real.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const login = document.body.dataset.loginUrl;
    const answeredBy = event.detail.xhr.responseURL || "";
    if (login && answeredBy.indexOf(login) !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(answeredBy);
    }
  });

  // An error answer (403, 404, 500) to an htmx request: show the page itself.
  document.addEventListener("htmx:responseError", function (event) {
    const page = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    if (page.body && page.body.children.length) {
      document.title = page.title;
      document.body.replaceWith(page.body);
    }
  });

  // --- quote lines: amounts and total follow the typing ---------------------------------------

  function parseNumber(value) {
    if (value === "" || value === null || value === undefined) {
      return null;
    }
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  }

  function formatMoney(number) {
    return new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    })
      .format(number)
      .replace(/\u202f/g, "\u00a0"); // the same group separator as the server's
  }

  function mirrorTotals() {
    const total = document.querySelector("[data-quote-lines] [data-total]");
    if (total) {
      document.querySelectorAll("[data-total-mirror]").forEach(function (mirror) {
        mirror.textContent = total.textContent;
      });
    }
  }

  function updateTotals() {
    document.querySelectorAll("[data-quote-lines]").forEach(function (table) {
      if (!table.querySelector("[data-line]")) {
        return;
      }
      let total = 0;
      table.querySelectorAll("tr[data-line-row]").forEach(function (row) {
        const quantity = parseNumber(row.querySelector('[data-line="quantity"]')?.value);
        const price = parseNumber(row.querySelector('[data-line="unit_price"]')?.value);
        const cell = row.querySelector("[data-line-amount]");
        if (quantity === null || price === null) {
          if (cell && row.classList.contains("new-line")) {
            cell.textContent = "";
          }
          return;
        }
        const amount = Math.round(quantity * price * 100) / 100;
        // The new line shows its amount; it counts in the total once it is added (saved).
        if (!row.classList.contains("new-line")) {
          total += amount;
        }
        if (cell) {
          cell.textContent = formatMoney(amount);
        }
      });
      const totalCell = table.querySelector("[data-total]");
      if (totalCell) {
        totalCell.textContent = formatMoney(total);
      }
      document.querySelectorAll("[data-total-mirror]").forEach(function (mirror) {
        mirror.textContent = formatMoney(total);
      });
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-line]")) {
      updateTotals();
    }
  });
})();
