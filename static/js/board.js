// The live board: a small ES module on top of the vendored socket.io client.
// Protocol: docs/realtime.md. The page already shows every card as HTML; this
// module keeps it up to date, and sends what people add, even after a drop.
import { io } from "../vendor/socket.io-client-4.8.4/socket.io.esm.min.js";

const root = document.querySelector(".board[data-board-id]");
const boardId = Number(root.dataset.boardId);
// The presenter view (a projector): read-only, as members see the board.
const presenter = root.dataset.presenter === "true";
const moderator = !presenter && root.dataset.moderator === "true";
const t = JSON.parse(root.dataset.i18n);
const QUEUE_KEY = `circle-board-${boardId}-queue`;

const state = {
  version: Number(root.dataset.version),
  settings: {},
  columns: new Map(), // id -> {id, title, position}
  cards: new Map(), // id -> card payload
  mine: new Set(), // ids of my cards (known from acknowledgements and full states)
  voted: new Set(),
  votesLeft: null,
  queue: JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"),
  synced: false,
  // Open edit boxes ("card-12", "column-3") and what is typed in them, so that a
  // change arriving from someone else, which redraws the board, loses nothing.
  editing: new Map(),
};

const el = (role) => root.querySelector(`[data-role="${role}"]`);
const statusLine = el("status");

function setStatus(text, kind) {
  statusLine.textContent = text;
  statusLine.dataset.state = kind;
}

function announce(text) {
  const region = el("announce");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

function node(tag, attrs = {}, text) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === undefined || value === null) continue;
    element.setAttribute(key, value === true ? "" : value);
  }
  if (text !== undefined) element.textContent = text;
  return element;
}

function button(label, action, extra = {}) {
  return node("button", { type: "button", class: "button small secondary", "data-action": action, ...extra }, label);
}

// -- the queue of writes: kept in localStorage until the server acknowledges --

function saveQueue() {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(state.queue));
}

function newKey() {
  return (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/-/g, "");
}

function send(event, payload, { queued = false } = {}) {
  return new Promise((resolve) => {
    if (!socket.connected) {
      if (queued) { state.queue.push({ event, payload }); saveQueue(); render(); }
      resolve({ ok: false, error: "offline", message: t.offline });
      return;
    }
    socket.timeout(8000).emit(event, { board_id: boardId, ...payload }, (err, reply) => {
      if (err) { // no acknowledgement: keep it, the key makes a retry safe
        if (queued) { state.queue.push({ event, payload }); saveQueue(); render(); }
        resolve({ ok: false, error: "timeout", message: t.offline });
        return;
      }
      handleReply(reply);
      resolve(reply);
    });
  });
}

async function flushQueue() {
  while (state.queue.length && socket.connected) {
    const item = state.queue[0];
    const reply = await new Promise((resolve) => {
      socket.timeout(8000).emit(item.event, { board_id: boardId, ...item.payload }, (err, answer) => resolve(err ? null : answer));
    });
    if (reply === null) return; // still no answer: try again on the next connect
    state.queue.shift();
    saveQueue();
    handleReply(reply);
  }
  render();
}

function handleReply(reply) {
  if (!reply) return;
  if (!reply.ok) { if (reply.message) setStatus(reply.message, "error"); return; }
  if ("votes_left" in reply) state.votesLeft = reply.votes_left;
  if (reply.card) {
    if (reply.card.mine) state.mine.add(reply.card.id);
    if (reply.card.voted) state.voted.add(reply.card.id); else state.voted.delete(reply.card.id);
    upsertCard(reply.card);
  }
  render();
}

// -- applying what the server says ------------------------------------------------

function upsertCard(card) {
  if (card.removed) { state.cards.delete(card.id); state.editing.delete(`card-${card.id}`); return; }
  const known = state.cards.get(card.id);
  // A blurred copy of my own card must not hide my own text from me.
  if (card.blurred && known && !known.blurred && state.mine.has(card.id)) {
    state.cards.set(card.id, { ...known, column_id: card.column_id, position: card.position, votes: card.votes, pinned: card.pinned });
    return;
  }
  state.cards.set(card.id, { ...known, ...card });
}

function applyState(payload) {
  if (payload.full) { state.cards.clear(); state.columns.clear(); }
  if (payload.board) state.settings = payload.board;
  for (const column of payload.columns || []) {
    if (column.removed) state.columns.delete(column.id); else state.columns.set(column.id, column);
  }
  for (const card of payload.cards || []) {
    if (card.mine) state.mine.add(card.id);
    if (card.voted) state.voted.add(card.id); else if ("voted" in card) state.voted.delete(card.id);
    upsertCard(card);
  }
  if ("votes_left" in payload) state.votesLeft = payload.votes_left;
  state.version = payload.version;
  state.synced = true;
  render();
}

function sync() {
  socket.emit("sync", { board_id: boardId, version: state.version }, (reply) => {
    if (reply && reply.ok) applyState(reply);
  });
}

function onChange(change) {
  if (change.board_id !== boardId || change.version <= state.version) return; // old or twice
  if (change.version !== state.version + 1 || change.resync) { sync(); return; } // a gap
  if (change.card && change.card.blurred && state.mine.has(change.card.id) && !state.cards.has(change.card.id)) {
    sync(); // my own card came back (restored) blurred: ask for it as I may see it
    return;
  }
  if (change.card) {
    const isNew = !state.cards.has(change.card.id) && !change.card.removed;
    upsertCard(change.card);
    if (isNew && !state.mine.has(change.card.id)) {
      const column = state.columns.get(change.card.column_id);
      announce(`${t.newCard.replace("{column}", column ? column.title : "")} ${change.card.text || t.blurred}`);
    }
  }
  if (change.column) {
    if (change.column.removed) state.columns.delete(change.column.id); else state.columns.set(change.column.id, change.column);
  }
  if (change.board) state.settings = change.board;
  state.version = change.version;
  render();
}

// -- drawing ----------------------------------------------------------------------

function closed() {
  const s = state.settings;
  const expired = s.timer_locks && s.timer_ends_at && new Date(s.timer_ends_at) <= new Date();
  return Boolean(s.locked || expired);
}

function sortedColumns() {
  return [...state.columns.values()].sort((a, b) => a.position - b.position || a.id - b.id);
}

function cardsOf(columnId) {
  return [...state.cards.values()]
    .filter((card) => card.column_id === columnId && !(presenter && card.hidden))
    .sort((a, b) => (b.pinned - a.pinned) || a.position - b.position || a.id - b.id);
}

function renderCard(card, columnIndex, columnCount) {
  if (presenter && state.settings.blurred && !card.blurred) card = { ...card, blurred: true, author: undefined };
  const li = node("li", {
    class: ["card", card.blurred && "is-blurred", card.hidden && "is-hidden", card.pinned && "is-pinned"].filter(Boolean).join(" "),
    "data-card-id": card.id,
    draggable: !presenter && (state.mine.has(card.id) || moderator) && !closed() ? "true" : false,
    tabindex: "-1",
  });
  const editKey = `card-${card.id}`;
  if (state.editing.has(editKey)) li.append(editForm(editKey, "textarea", t.editCard, { "data-card": card.id }));
  else li.append(node("p", { class: card.blurred ? "card-text muted" : "card-text", id: `card-text-${card.id}` }, card.blurred ? t.blurred : card.text));
  if (card.author) li.append(node("p", { class: "card-author" }, card.author));
  if (card.hidden) li.append(node("p", { class: "card-author" }, `(${t.hidden})`));
  const tools = node("div", { class: "card-tools" });
  const count = card.votes || 0;
  const votes = node("span", { class: "card-votes" }, `${count} ${count === 1 ? t.oneVote : t.votes}`);
  tools.append(votes);
  const writable = !presenter && (!closed() || moderator);
  if (writable && !card.blurred) {
    const voted = state.voted.has(card.id);
    tools.append(button(voted ? t.unvote : t.vote, "vote", { "aria-pressed": voted ? "true" : "false", "data-card": card.id }));
  }
  if (writable && (state.mine.has(card.id) || moderator)) {
    if (columnIndex > 0) tools.append(button("←", "left", { "aria-label": t.left, "data-card": card.id }));
    if (columnIndex < columnCount - 1) tools.append(button("→", "right", { "aria-label": t.right, "data-card": card.id }));
    if (!card.blurred && !state.editing.has(editKey)) tools.append(button(t.edit, "edit", { "data-card": card.id }));
    tools.append(button(t.delete, "delete", { "data-card": card.id }));
  }
  if (moderator) {
    tools.append(button(card.hidden ? t.restore : t.hide, card.hidden ? "restore" : "hide", { "data-card": card.id }));
    tools.append(button(card.pinned ? t.unpin : t.pin, card.pinned ? "unpin" : "pin", { "data-card": card.id }));
  }
  // "Edit", "Vote"… on every card: the card's text tells a screen reader which one.
  if (!state.editing.has(editKey)) {
    for (const tool of tools.querySelectorAll("button")) tool.setAttribute("aria-describedby", `card-text-${card.id}`);
  }
  li.append(tools);
  if (moderator && !card.hidden && !card.blurred) li.append(promoteForm(card));
  return li;
}

// The server's own form (a <template> on the page), pointed at this card.
function promoteForm(card) {
  const details = el("promote").content.firstElementChild.cloneNode(true);
  const form = details.querySelector("form");
  form.action = form.dataset.action.replace("__card__", card.id);
  const id = `promote-${card.id}`;
  details.querySelector("select").id = id;
  details.querySelector("label").htmlFor = id;
  return details;
}

// An edit box in place of a card's text or a column's title: Enter or Save sends,
// Escape or Cancel closes it.
function editForm(key, tag, label, extra) {
  const form = node("form", { class: "edit-form", "data-edit": key, ...extra });
  const id = `edit-${key}`;
  form.append(node("label", { for: id, class: tag === "input" ? "visually-hidden" : "" }, label));
  const field = node(tag, { id, name: "text", maxlength: tag === "input" ? "120" : "500", required: true, "data-action": "edit-text", ...(tag === "textarea" ? { rows: "3" } : { type: "text" }) });
  field.value = state.editing.get(key);
  form.append(field);
  const buttons = node("div", { class: "card-tools" });
  buttons.append(node("button", { type: "submit", class: "button small" }, t.save));
  buttons.append(button(t.cancel, "cancel-edit", { "data-edit": key }));
  form.append(buttons);
  return form;
}

function renderAddForm(column) {
  const form = node("form", { class: "add-card", "data-column": column.id });
  const id = `add-${column.id}`;
  // The label says how Enter works, so screen readers announce it with the box.
  const label = node("label", { for: id }, t.cardText);
  label.append(" ", node("span", { class: "hint" }, t.cardHint));
  form.append(label);
  form.append(node("textarea", { id, name: "text", maxlength: "500", rows: "2", required: true }));
  if (moderator) {
    const behalfId = `behalf-${column.id}`;
    form.append(node("label", { for: behalfId }, t.onBehalf));
    form.append(node("input", { id: behalfId, name: "on_behalf_of", maxlength: "120", type: "text" }));
  }
  form.append(node("button", { type: "submit", class: "button small" }, t.add));
  return form;
}

function render() {
  if (!state.synced) return;
  const container = el("columns");
  const focused = document.activeElement;
  const focusKey = focused && focused.closest("[data-card-id]") ? [focused.closest("[data-card-id]").dataset.cardId, focused.dataset.action] : null;
  const focusedEdit = focused && focused.closest("form.edit-form") ? [focused.closest("form.edit-form").dataset.edit, focused.dataset.action, focused.selectionStart, focused.selectionEnd] : null;
  for (const form of container.querySelectorAll("form.edit-form")) {
    if (state.editing.has(form.dataset.edit)) state.editing.set(form.dataset.edit, form.elements.text.value);
  }
  const drafts = {};
  for (const area of container.querySelectorAll("form.add-card textarea")) drafts[area.id] = area.value;
  container.replaceChildren();
  const columns = sortedColumns();
  columns.forEach((column, index) => {
    const section = node("section", { class: "board-column", "data-column-id": column.id, "aria-labelledby": `column-${column.id}` });
    const heading = node("h2", { id: `column-${column.id}`, class: "column-title" }, column.title);
    section.append(heading);
    if (state.editing.has(`column-${column.id}`)) section.append(editForm(`column-${column.id}`, "input", t.columnTitle, { "data-column": column.id }));
    if (moderator) {
      const tools = node("div", { class: "column-tools" });
      tools.append(button(t.edit, "rename-column", { "data-column": column.id, "aria-describedby": `column-${column.id}` }));
      if (index > 0) tools.append(button("←", "column-left", { "aria-label": t.left, "data-column": column.id }));
      if (index < columns.length - 1) tools.append(button("→", "column-right", { "aria-label": t.right, "data-column": column.id }));
      if (columns.length > 1) tools.append(button(t.delete, "remove-column", { "data-column": column.id }));
      section.append(tools);
    }
    const list = node("ul", { class: "cards", "data-role": "cards" });
    for (const card of cardsOf(column.id)) list.append(renderCard(card, index, columns.length));
    // Cards written while offline show at once in their column, marked as waiting.
    for (const item of state.queue) {
      if (item.event !== "card_add" || item.payload.column_id !== column.id) continue;
      const pending = node("li", { class: "card is-pending" });
      pending.append(node("p", { class: "card-text" }, item.payload.text));
      pending.append(node("p", { class: "card-author" }, `(${t.queued})`));
      list.append(pending);
    }
    section.append(list);
    if (!presenter && (!closed() || moderator)) section.append(renderAddForm(column));
    container.append(section);
  });
  for (const [id, value] of Object.entries(drafts)) {
    const area = document.getElementById(id);
    if (area) area.value = value;
  }
  if (focusedEdit && state.editing.has(focusedEdit[0])) {
    const form = container.querySelector(`form.edit-form[data-edit="${focusedEdit[0]}"]`);
    const again = form && (form.querySelector(`[data-action="${focusedEdit[1]}"]`) || form.elements.text);
    if (again) {
      again.focus();
      if (again === form.elements.text && focusedEdit[2] !== undefined) again.setSelectionRange(focusedEdit[2], focusedEdit[3]);
    }
  } else if (focusKey) {
    const again = container.querySelector(`[data-card-id="${focusKey[0]}"] [data-action="${focusKey[1]}"]`) || container.querySelector(`[data-card-id="${focusKey[0]}"]`);
    if (again) again.focus();
  }
  el("locked").hidden = !closed();
  const votesLeft = el("votes-left");
  votesLeft.hidden = state.votesLeft === null || state.votesLeft === undefined;
  votesLeft.textContent = `${t.votesLeft} ${state.votesLeft}`;
  if (state.queue.length && !socket.connected) {
    setStatus(`${t.offline} (${state.queue.length} ${t.queued})`, "offline");
  } else if (!state.queue.length && socket.connected && statusLine.dataset.state === "offline") {
    // Everything written offline has been delivered: say so, not "offline".
    setStatus(t.online, "online");
  }
  renderTimer();
}

function renderTimer() {
  const box = el("timer");
  const ends = state.settings.timer_ends_at ? new Date(state.settings.timer_ends_at) : null;
  if (!ends) { box.hidden = true; return; }
  box.hidden = false;
  const left = Math.max(0, Math.round((ends - new Date()) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  box.textContent = left > 0 ? `${t.timeLeft} ${minutes}:${seconds}` : t.timeUp;
}

// -- what people do ----------------------------------------------------------------

function neighbourColumn(card, step) {
  const columns = sortedColumns();
  const index = columns.findIndex((column) => column.id === card.column_id);
  return columns[index + step];
}

async function moveCard(cardId, columnId) {
  const last = cardsOf(columnId).at(-1);
  await send("card_move", { card_id: cardId, column_id: columnId, position: (last ? last.position : 0) + 1 });
  const moved = root.querySelector(`[data-card-id="${cardId}"]`);
  if (moved && focusWasLost()) moved.focus();
}

// After an answer from the server, put the focus back only when a redraw took it
// away: by then the person may have moved on, and must not be pulled back.
function focusWasLost() {
  return !document.activeElement || document.activeElement === document.body;
}

function openEditor(key, text) {
  state.editing.set(key, text);
  render();
  const field = document.getElementById(`edit-${key}`);
  if (field) { field.focus(); field.setSelectionRange(field.value.length, field.value.length); }
}

function closeEditor(key) {
  state.editing.delete(key);
  render();
  const [kind, id] = key.split("-");
  const back = kind === "card"
    ? root.querySelector(`[data-card-id="${id}"] [data-action="edit"]`)
    : root.querySelector(`[data-column-id="${id}"] [data-action="rename-column"]`);
  if (back) back.focus();
}

root.addEventListener("submit", async (event) => {
  const edit = event.target.closest("form.edit-form");
  if (edit) {
    event.preventDefault();
    const key = edit.dataset.edit;
    const text = edit.elements.text.value.trim();
    if (!text) return;
    const reply = key.startsWith("card-")
      ? await send("card_edit", { card_id: Number(edit.dataset.card), text })
      : await send("column_change", { column_id: Number(edit.dataset.column), title: text });
    // Refused or offline: the box stays open with the text, the status line says why.
    if (reply && reply.ok) closeEditor(key);
    return;
  }
  const form = event.target.closest("form.add-card");
  if (!form) return;
  event.preventDefault();
  const text = form.elements.text.value.trim();
  if (!text) return;
  const payload = { column_id: Number(form.dataset.column), text, key: newKey() };
  if (form.elements.on_behalf_of) payload.on_behalf_of = form.elements.on_behalf_of.value.trim();
  form.elements.text.value = "";
  await send("card_add", payload, { queued: true });
  const again = document.getElementById(`add-${form.dataset.column}`);
  if (again && focusWasLost()) again.focus();
});

root.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const action = target.dataset.action;
  const cardId = Number(target.dataset.card);
  const card = state.cards.get(cardId);
  const columnId = Number(target.dataset.column);
  if (action === "vote") await send("card_vote", { card_id: cardId });
  else if (action === "left" || action === "right") {
    const column = neighbourColumn(card, action === "left" ? -1 : 1);
    if (column) await moveCard(cardId, column.id);
  } else if (action === "edit") {
    openEditor(`card-${cardId}`, card.text);
  } else if (action === "cancel-edit") {
    closeEditor(target.dataset.edit);
  } else if (action === "delete") {
    if (window.confirm(t.confirmDelete)) await send("card_delete", { card_id: cardId });
  } else if (["hide", "restore", "pin", "unpin"].includes(action)) {
    await send("card_moderate", { card_id: cardId, action });
  } else if (action === "rename-column") {
    openEditor(`column-${columnId}`, state.columns.get(columnId).title);
  } else if (action === "column-left" || action === "column-right") {
    const columns = sortedColumns();
    const index = columns.findIndex((column) => column.id === columnId);
    const other = columns[index + (action === "column-left" ? -1 : 1)];
    await send("column_change", { column_id: columnId, position: other.position });
    await send("column_change", { column_id: other.id, position: columns[index].position });
  } else if (action === "remove-column") {
    if (window.confirm(t.confirmDelete)) await send("column_change", { column_id: columnId, remove: true });
  } else if (action === "add-column") {
    const input = document.getElementById("ctl-column");
    if (input.value.trim()) { await send("column_add", { title: input.value }); input.value = ""; }
  } else if (action === "budget") {
    const value = document.getElementById("ctl-budget").value;
    await send("board_update", { settings: { vote_budget: value ? Number(value) : null } });
  } else if (action === "timer") {
    const minutes = Number(document.getElementById("ctl-timer").value);
    if (minutes) await send("board_update", { settings: { timer_minutes: minutes, timer_locks: document.getElementById("ctl-timer-locks").checked } });
  } else if (action === "timer-stop") {
    await send("board_update", { settings: { timer_minutes: null } });
  }
});

root.addEventListener("keydown", (event) => {
  const form = event.target.closest("form.edit-form, form.add-card");
  if (!form) return;
  if (event.key === "Escape" && form.dataset.edit) { event.preventDefault(); closeEditor(form.dataset.edit); }
  // Enter saves, Shift+Enter starts a new line (as in chat apps).
  else if (event.key === "Enter" && !event.shiftKey && event.target.tagName === "TEXTAREA") {
    event.preventDefault();
    form.requestSubmit();
  }
});

root.addEventListener("change", async (event) => {
  const setting = event.target.dataset.setting;
  if (setting) await send("board_update", { settings: { [setting]: event.target.checked } });
});

// Drag and drop between columns (the ← → buttons do the same from the keyboard).
root.addEventListener("dragstart", (event) => {
  const card = event.target.closest("[data-card-id]");
  if (card) event.dataTransfer.setData("text/plain", card.dataset.cardId);
});
root.addEventListener("dragover", (event) => {
  if (event.target.closest(".board-column")) event.preventDefault();
});
root.addEventListener("drop", async (event) => {
  const column = event.target.closest(".board-column");
  const cardId = Number(event.dataTransfer.getData("text/plain"));
  if (!column || !cardId) return;
  event.preventDefault();
  await moveCard(cardId, Number(column.dataset.columnId));
});

// -- the connection -----------------------------------------------------------------

setStatus(t.connecting, "connecting");
const socket = io("/boards", { transports: ["websocket", "polling"] });

socket.on("connect", () => {
  setStatus(t.online, "online");
  // After a drop, ask only for what was missed since the last version seen.
  socket.emit("join", { board_id: boardId, version: state.synced ? state.version : undefined }, (reply) => {
    if (!reply || !reply.ok) { setStatus(reply ? reply.message : t.offline, "error"); return; }
    applyState(reply);
    flushQueue();
  });
});
socket.on("disconnect", (reason) => {
  if (reason === "io client disconnect") return; // we hung up: the status says why
  if (reason === "io server disconnect") {
    // The server ended the connection (a logout or password change somewhere):
    // try once more; a login that has ended is refused (connect_error below).
    setStatus(t.connecting, "connecting");
    socket.connect();
  } else {
    setStatus(t.offline, "offline");
  }
});
socket.on("connect_error", () => {
  // Refused, not a network hiccup: the client will not retry by itself.
  if (!socket.active) setStatus(t.signedOut, "error");
});
socket.on("access_revoked", (event) => {
  if (event.board_id !== boardId) return;
  socket.disconnect();
  setStatus(t.revoked, "error");
});
socket.io.on("reconnect_attempt", () => setStatus(t.connecting, "connecting"));
socket.on("change", onChange);
socket.on("presence", (presence) => {
  if (presence.board_id !== boardId) return;
  const names = presence.names.length ? presence.names.join(", ") : `${presence.count} ${t.people}`;
  el("presence").textContent = `${t.here} ${names}`;
});

window.setInterval(() => {
  renderTimer();
  if (socket.connected) socket.emit("presence", { board_id: boardId }, () => {});
}, 30000);
window.setInterval(() => {
  if (state.settings.timer_ends_at) {
    renderTimer();
    if (closed() !== !el("locked").hidden) render();
  }
}, 1000);
