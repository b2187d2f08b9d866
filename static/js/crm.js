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

  // --- the dialog gives the focus back to what opened it --------------------------------------
  // The element focused when the dialog opened (its button, a menu's item) gets the focus back
  // when the dialog closes; if the page drew it again meanwhile, its new copy (same id, or same
  // address); if it is in a closed menu, the menu's button. A dialog whose success sends the
  // browser back to this page (HX-Redirect) leaves its opener's description for the next load.
  const FOCUS_KEY = "crm-dialog-opener";
  let opener = null;

  function describe(element) {
    if (!element || element === document.body) {
      return null;
    }
    if (element.id) {
      return "#" + CSS.escape(element.id);
    }
    for (const name of ["data-hx-get", "href", "formaction"]) {
      const value = element.getAttribute(name);
      if (value) {
        return element.tagName.toLowerCase() + "[" + name + '="' + CSS.escape(value) + '"]';
      }
    }
    return null;
  }

  function visible(element) {
    return element.isConnected && element.getClientRects().length > 0;
  }

  function focusable(element) {
    if (!element) {
      return null;
    }
    if (visible(element)) {
      return element;
    }
    const menu = element.closest(".dropdown, .btn-group, .dropup");
    const toggle = menu && menu.querySelector('[data-bs-toggle="dropdown"]');
    return toggle && visible(toggle) ? toggle : null;
  }

  function restoreFocus(element, selector) {
    let target = element && element.isConnected ? element : null;
    if (!target && selector) {
      target = document.querySelector(selector);
    }
    target = focusable(target);
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("show.bs.modal", function (event) {
    if (event.target.id === DIALOG_ID) {
      const active = document.activeElement;
      opener = active && !event.target.contains(active) ? active : null;
    }
  });

  document.addEventListener("htmx:beforeOnLoad", function (event) {
    const dialog = document.getElementById(DIALOG_ID);
    const xhr = event.detail.xhr;
    const redirect = xhr && xhr.getResponseHeader("HX-Redirect");
    if (redirect && opener && dialog && dialog.classList.contains("show")) {
      const selector = describe(opener);
      if (selector) {
        const path = new URL(redirect, window.location.href).pathname;
        sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ path: path, selector: selector }));
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const saved = sessionStorage.getItem(FOCUS_KEY);
    sessionStorage.removeItem(FOCUS_KEY);
    if (saved) {
      const { path, selector } = JSON.parse(saved);
      if (path === window.location.pathname) {
        restoreFocus(null, selector);
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target.id === CONTENT_ID) {
      const dialog = document.getElementById(DIALOG_ID);
      const title = target.querySelector("#dialog-title");
      if (title) {
        dialog.setAttribute("aria-labelledby", "dialog-title");
      } else {
        dialog.removeAttribute("aria-labelledby");
      }
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
      event.target.removeAttribute("aria-labelledby");
      const element = opener;
      opener = null;
      restoreFocus(element, describe(element));
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

  // --- a list row's Actions menu (a <details>) --------------------------------------------------
  // Escape closes it and gives the focus back to its button; a click elsewhere, or opening
  // another row's, closes it. Without this file it opens and closes with its button.
  document.addEventListener("keydown", function (event) {
    const menu = event.key === "Escape" && event.target.closest?.("details.row-menu[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.row-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
})();
