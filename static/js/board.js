// The pipeline board's drag and drop (SortableJS): a drop on another column posts the card and
// its target; the server answers with the columns drawn again (the card where the rules put
// it, and the rule's message when it refused). A drop on Won or Lost opens the Close dialog
// with that outcome. Without this file, every move is a button of the card's Actions menu.
(function () {
  "use strict";

  const BOARD_ID = "board-columns";

  function board() {
    return document.getElementById(BOARD_ID);
  }

  function putBack(event) {
    const from = event.from;
    const before = from.children[event.oldIndex] || null;
    from.insertBefore(event.item, before);
  }

  function dropped(event) {
    const root = board();
    const card = event.item;
    const target = event.to.dataset.column;
    if (!root || !target || event.to === event.from) {
      return;
    }
    if (target === "won" || target === "lost") {
      putBack(event);
      const url = new URL(card.dataset.closeUrl, window.location.href);
      url.searchParams.set("outcome", target);
      url.searchParams.set("next", root.dataset.here);
      htmx.ajax("GET", url.pathname + url.search, { target: "#dialog-content" });
      return;
    }
    root.classList.add("is-moving");
    htmx.ajax("POST", root.dataset.moveUrl, {
      target: "#" + BOARD_ID,
      swap: "outerHTML",
      values: {
        csrfmiddlewaretoken: root.dataset.csrf,
        number: card.dataset.number,
        version: card.dataset.version,
        target: target,
        query: root.dataset.query,
      },
    });
  }

  function enable() {
    const root = board();
    if (!root || typeof Sortable === "undefined" || root.dataset.sortable) {
      return;
    }
    root.dataset.sortable = "1";
    root.querySelectorAll(".board-cards, .board-drop").forEach(function (list) {
      Sortable.create(list, {
        group: { name: "board", pull: !list.classList.contains("board-drop"), put: true },
        draggable: ".board-card",
        filter: ".locked, summary, button, a, input",
        preventOnFilter: false,
        sort: false,
        forceFallback: true,
        fallbackTolerance: 4,
        animation: 150,
        onEnd: dropped,
      });
    });
  }

  // After a move: the message when refused, else the moved card's menu, has the focus.
  function focusAfterMove() {
    const root = board();
    if (!root) {
      return;
    }
    const refusal = root.querySelector(".board-refusal");
    if (refusal) {
      refusal.setAttribute("tabindex", "-1");
      refusal.focus();
      return;
    }
    const number = root.dataset.focus;
    const card = number && document.getElementById("card-" + number);
    if (card) {
      const handle = card.querySelector("summary") || card.querySelector("a");
      if (handle) {
        handle.focus();
      }
    }
  }

  document.addEventListener("DOMContentLoaded", enable);
  // After htmx drew the columns again: drag and drop on the new ones, and the focus once.
  document.addEventListener("htmx:afterSettle", function () {
    enable();
    const root = board();
    if (root && !root.dataset.settled) {
      root.dataset.settled = "1";
      if (root.dataset.focus || root.querySelector(".board-refusal")) {
        focusAfterMove();
      }
    }
  });
})();
