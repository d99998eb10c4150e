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
  myComments: new Set(), // ids of my replies, known the same way
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

function learnComments(card) {
  for (const comment of card.comments || []) if (comment.mine) state.myComments.add(comment.id);
}

function upsertCard(card) {
  learnComments(card);
  if (card.removed) { state.cards.delete(card.id); state.editing.delete(`card-${card.id}`); return; }
  const known = state.cards.get(card.id);
  // A blurred copy of my own card must not hide my own text from me.
  if (card.blurred && known && !known.blurred && state.mine.has(card.id)) {
    state.cards.set(card.id, { ...known, column_id: card.column_id, position: card.position, votes: card.votes, pinned: card.pinned, cluster_id: card.cluster_id });
    return;
  }
  // A payload is the whole card as this person may see it now (what is theirs
  // and what they voted for is kept apart, in state.mine and state.voted), so
  // it replaces what was known: a field it leaves out (a blurred card's text,
  // a name on an anonymous board, "hidden" once restored) must not linger.
  state.cards.set(card.id, card);
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
  if (change.card && change.card.blurred && state.mine.has(change.card.id)) {
    sync(); // my own card, sent as others see it: ask for it (and its replies) as I may
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

// What members may do in each phase: the server's rules (circle/boards/rules.py
// PHASE_ALLOWS), mirrored so that controls nobody may use are not shown.
const PHASE_ALLOWS = {
  none: ["write", "vote", "comment"],
  write: ["write", "comment"],
  group: ["group", "comment"],
  vote: ["vote"],
  discuss: ["comment"],
};

function may(what) {
  if (presenter) return false;
  if (moderator) return true;
  if (closed()) return false;
  const phase = state.settings.phase || "none";
  if (what === "group" && phase === "none" && state.settings.members_group) return true;
  return PHASE_ALLOWS[phase].includes(what);
}

function sortedColumns() {
  return [...state.columns.values()].sort((a, b) => a.position - b.position || a.id - b.id);
}

function visible(card) {
  return Boolean(card) && !(presenter && card.hidden);
}

// The cards of a column that stand on their own or lead a cluster; the cards
// grouped under a card that is shown go with it (membersOf).
function cardsOf(columnId) {
  return [...state.cards.values()]
    .filter((card) => card.column_id === columnId && visible(card) && !visible(state.cards.get(card.cluster_id)))
    .sort((a, b) => (b.pinned - a.pinned) || a.position - b.position || a.id - b.id);
}

function membersOf(card) {
  return [...state.cards.values()]
    .filter((other) => other.cluster_id === card.id && visible(other))
    .sort((a, b) => a.position - b.position || a.id - b.id);
}

function renderCard(card, columnIndex, columnCount) {
  if (presenter && state.settings.blurred && !card.blurred) card = { ...card, blurred: true, author: undefined };
  const li = node("li", {
    class: ["card", card.blurred && "is-blurred", card.hidden && "is-hidden", card.pinned && "is-pinned"].filter(Boolean).join(" "),
    "data-card-id": card.id,
    draggable: (may("write") && (state.mine.has(card.id) || moderator)) || may("group") ? "true" : false,
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
  if (may("vote") && !card.blurred) {
    const voted = state.voted.has(card.id);
    tools.append(button(voted ? t.unvote : t.vote, "vote", { "aria-pressed": voted ? "true" : "false", "data-card": card.id }));
  }
  if (may("write") && (state.mine.has(card.id) || moderator)) {
    if (columnIndex > 0) tools.append(button("←", "left", { "aria-label": t.left, "data-card": card.id }));
    if (columnIndex < columnCount - 1) tools.append(button("→", "right", { "aria-label": t.right, "data-card": card.id }));
    if (!card.blurred && !state.editing.has(editKey)) tools.append(button(t.edit, "edit", { "data-card": card.id }));
    tools.append(button(t.delete, "delete", { "data-card": card.id }));
  }
  if (may("group") && !card.hidden) {
    if (card.cluster_id && state.cards.has(card.cluster_id)) tools.append(button(t.ungroup, "ungroup", { "data-card": card.id }));
    else if (!state.editing.has(`group-${card.id}`)) tools.append(button(t.groupWith, "group", { "data-card": card.id }));
  }
  if (may("comment") && !card.blurred && !card.hidden && !state.editing.has(`reply-${card.id}`)) {
    tools.append(button(t.reply, "reply", { "data-card": card.id }));
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
  if (state.editing.has(`group-${card.id}`)) li.append(groupForm(card));
  if (!card.blurred) li.append(renderComments(card));
  if (moderator && !card.hidden && !card.blurred) {
    li.append(promoteForm(card));
    // A cluster is made an action as a whole, from its heading (renderCluster).
    const inCluster = (card.cluster_id && state.cards.has(card.cluster_id)) || membersOf(card).length;
    if (!inCluster) li.append(actionForm(card, card.text));
  }
  return li;
}

// The server's "make it an action" form (a <template>), for a card or a cluster.
function actionForm(card, text) {
  const details = el("make-action").content.firstElementChild.cloneNode(true);
  details.dataset.keep = `action-${card.id}`;
  const form = details.querySelector("form");
  form.action = form.dataset.action.replace("__card__", card.id);
  for (const field of form.querySelectorAll("[data-field]")) {
    field.id = `action-${card.id}-${field.dataset.field}`;
    form.querySelector(`label[data-for="${field.dataset.field}"]`).htmlFor = field.id;
  }
  form.elements.text.value = text;
  return details;
}

// Replies under a card, and the box to write one.
function renderComments(card) {
  const box = node("div", { class: "card-comments" });
  const comments = card.comments || [];
  if (comments.length) {
    const list = node("ul", { class: "comments", "aria-label": t.replies });
    for (const comment of comments) {
      const item = node("li", { class: "comment", id: `comment-${comment.id}` });
      item.append(node("p", { class: "comment-text" }, comment.text));
      if (comment.author) item.append(node("p", { class: "card-author" }, comment.author));
      if (!presenter && may("comment") && (moderator || state.myComments.has(comment.id))) {
        item.append(button(t.removeReply, "remove-reply", { "data-comment": comment.id, "aria-describedby": `comment-${comment.id}` }));
      }
      list.append(item);
    }
    box.append(list);
  }
  const key = `reply-${card.id}`;
  if (state.editing.has(key)) box.append(editForm(key, "textarea", t.yourReply, { "data-card": card.id, "data-max": "300" }));
  return box;
}

// The keyboard's way to drop a card onto another: choose the card to group with.
function groupForm(card) {
  const key = `group-${card.id}`;
  const form = node("form", { class: "group-form", "data-group": card.id });
  const id = `group-select-${card.id}`;
  form.append(node("label", { for: id }, t.groupWithLabel));
  const select = node("select", { id, name: "onto" });
  for (const other of [...state.cards.values()].sort((a, b) => a.column_id - b.column_id || a.position - b.position)) {
    if (other.id === card.id || other.cluster_id === card.id || other.hidden || !visible(other)) continue;
    const column = state.columns.get(other.column_id);
    const text = other.blurred ? t.blurred : other.text;
    select.append(node("option", { value: other.id }, `${column ? column.title : ""}: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`));
  }
  form.append(select);
  const buttons = node("div", { class: "card-tools" });
  buttons.append(node("button", { type: "submit", class: "button small" }, t.group));
  buttons.append(button(t.cancel, "cancel-edit", { "data-edit": key }));
  form.append(buttons);
  return form;
}

// A cluster: its title, summed votes, and its cards, drawn as one item.
function renderCluster(head, members, columnIndex, columnCount) {
  const cards = [head, ...members];
  const li = node("li", { class: "cluster", "data-cluster-id": head.id, "aria-labelledby": `cluster-${head.id}` });
  const total = cards.reduce((sum, card) => sum + (card.votes || 0), 0);
  const title = head.cluster_title || t.groupOf.replace("{count}", cards.length);
  // The projector shows the board as members see it: no titles while blurred.
  const hideTitle = head.blurred || (presenter && state.settings.blurred);
  li.append(node("h3", { class: "cluster-title", id: `cluster-${head.id}` }, hideTitle ? t.groupOf.replace("{count}", cards.length) : title));
  const tools = node("div", { class: "card-tools" });
  tools.append(node("span", { class: "card-votes" }, `${total} ${total === 1 ? t.oneVote : t.votes} ${t.inTotal}`));
  const key = `cluster-${head.id}`;
  if (may("group") && !state.editing.has(key)) tools.append(button(t.nameGroup, "name-group", { "data-card": head.id, "aria-describedby": `cluster-${head.id}` }));
  li.append(tools);
  if (moderator && !head.blurred) li.append(actionForm(head, title));
  if (state.editing.has(key)) li.append(editForm(key, "input", t.groupTitle, { "data-card": head.id, "data-max": "120", "data-optional": "true" }));
  const list = node("ul", { class: "cards cluster-cards" });
  for (const card of cards) list.append(renderCard(card, columnIndex, columnCount));
  li.append(list);
  return li;
}

// The server's own form (a <template> on the page), pointed at this card.
function promoteForm(card) {
  const details = el("promote").content.firstElementChild.cloneNode(true);
  details.dataset.keep = `promote-${card.id}`;
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
  const max = (extra && extra["data-max"]) || (tag === "input" ? "120" : "500");
  const field = node(tag, { id, name: "text", maxlength: max, required: !(extra && extra["data-optional"]), "data-action": "edit-text", ...(tag === "textarea" ? { rows: "3" } : { type: "text" }) });
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
  // An adviser's open "make it an action" or "add to the conversations" form
  // stays open, with what was filled in, when someone else's change redraws.
  const kept = new Map();
  for (const details of container.querySelectorAll("details[data-keep][open]")) {
    kept.set(details.dataset.keep, [...details.querySelectorAll("[name]")].map((field) => [field.name, field.value]));
  }
  const focusedId = focused && focused.id && focused.closest("details[data-keep], form.group-form") ? focused.id : null;
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
    for (const card of cardsOf(column.id)) {
      const members = membersOf(card);
      list.append(members.length ? renderCluster(card, members, index, columns.length) : renderCard(card, index, columns.length));
    }
    // Cards written while offline show at once in their column, marked as waiting.
    for (const item of state.queue) {
      if (item.event !== "card_add" || item.payload.column_id !== column.id) continue;
      const pending = node("li", { class: "card is-pending" });
      pending.append(node("p", { class: "card-text" }, item.payload.text));
      pending.append(node("p", { class: "card-author" }, `(${t.queued})`));
      list.append(pending);
    }
    section.append(list);
    if (may("write")) section.append(renderAddForm(column));
    container.append(section);
  });
  for (const [id, value] of Object.entries(drafts)) {
    const area = document.getElementById(id);
    if (area) area.value = value;
  }
  for (const [key, values] of kept) {
    const details = container.querySelector(`details[data-keep="${key}"]`);
    if (!details) continue;
    details.open = true;
    for (const [name, value] of values) {
      const field = details.querySelector(`[name="${name}"]`);
      if (field && name !== "csrf_token") field.value = value;
    }
  }
  if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
  if (focusedEdit && state.editing.has(focusedEdit[0])) {
    const form = container.querySelector(`form.edit-form[data-edit="${focusedEdit[0]}"]`);
    const again = form && (form.querySelector(`[data-action="${focusedEdit[1]}"]`) || form.elements.text);
    if (again) {
      again.focus();
      if (again === form.elements.text && focusedEdit[2] !== undefined) again.setSelectionRange(focusedEdit[2], focusedEdit[3]);
    }
  } else if (focusKey && !focusedId) {
    const again = container.querySelector(`[data-card-id="${focusKey[0]}"] [data-action="${focusKey[1]}"]`) || container.querySelector(`[data-card-id="${focusKey[0]}"]`);
    if (again) again.focus();
  }
  el("locked").hidden = !closed();
  // The notices follow the settings live, like the cards.
  el("anonymous").hidden = !state.settings.anonymous;
  el("blurred").hidden = !state.settings.blurred;
  const phase = el("phase");
  phase.hidden = !state.settings.phase;
  if (state.settings.phase) phase.textContent = `${t.phase} ${t.phases[state.settings.phase]}. ${t.phaseHints[state.settings.phase]}`;
  const phaseControl = document.getElementById("ctl-phase");
  if (phaseControl && document.activeElement !== phaseControl) phaseControl.value = state.settings.phase || "";
  const groupControl = document.getElementById("ctl-members-group");
  if (groupControl) groupControl.checked = Boolean(state.settings.members_group);
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
  const opener = {
    card: `[data-card-id="${id}"] [data-action="edit"]`,
    column: `[data-column-id="${id}"] [data-action="rename-column"]`,
    reply: `[data-card-id="${id}"] [data-action="reply"]`,
    group: `[data-card-id="${id}"] [data-action="group"]`,
    cluster: `[data-action="name-group"][data-card="${id}"]`,
  }[kind];
  const back = root.querySelector(opener) || root.querySelector(`[data-card-id="${id}"]`);
  if (back) back.focus();
}

root.addEventListener("submit", async (event) => {
  const edit = event.target.closest("form.edit-form");
  if (edit) {
    event.preventDefault();
    const key = edit.dataset.edit;
    const text = edit.elements.text.value.trim();
    const kind = key.split("-")[0];
    if (!text && kind !== "cluster") return;
    const cardId = Number(edit.dataset.card);
    let reply;
    if (kind === "card") reply = await send("card_edit", { card_id: cardId, text });
    else if (kind === "reply") reply = await send("comment_add", { card_id: cardId, text, key: newKey() });
    else if (kind === "cluster") reply = await send("cluster_title", { card_id: cardId, title: text });
    else reply = await send("column_change", { column_id: Number(edit.dataset.column), title: text });
    // Refused or offline: the box stays open with the text, the status line says why.
    if (reply && reply.ok) closeEditor(key);
    return;
  }
  const group = event.target.closest("form.group-form");
  if (group) {
    event.preventDefault();
    const cardId = Number(group.dataset.group);
    const reply = await send("card_group", { card_id: cardId, onto_id: Number(group.elements.onto.value) });
    if (reply && reply.ok) {
      state.editing.delete(`group-${cardId}`);
      render();
      const moved = root.querySelector(`[data-card-id="${cardId}"]`);
      if (moved) moved.focus();
    }
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
  } else if (action === "group") {
    state.editing.set(`group-${cardId}`, "");
    render();
    const select = document.getElementById(`group-select-${cardId}`);
    if (select) select.focus();
  } else if (action === "ungroup") {
    await send("card_ungroup", { card_id: cardId });
  } else if (action === "name-group") {
    openEditor(`cluster-${cardId}`, card.cluster_title || "");
  } else if (action === "reply") {
    openEditor(`reply-${cardId}`, "");
  } else if (action === "remove-reply") {
    if (window.confirm(t.confirmDelete)) await send("comment_delete", { comment_id: Number(target.dataset.comment) });
  } else if (action === "phase") {
    const phase = document.getElementById("ctl-phase").value || null;
    const minutes = Number(document.getElementById("ctl-phase-timer").value);
    await send("board_update", { settings: minutes ? { phase, timer_minutes: minutes } : { phase } });
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
  const form = event.target.closest("form.edit-form, form.add-card, form.group-form");
  if (!form) return;
  if (event.key === "Escape" && form.dataset.edit) { event.preventDefault(); closeEditor(form.dataset.edit); }
  else if (event.key === "Escape" && form.dataset.group) { event.preventDefault(); closeEditor(`group-${form.dataset.group}`); }
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
  // Dropped onto another card (or a cluster): group them; elsewhere: move.
  const onto = event.target.closest("[data-card-id]") || event.target.closest("[data-cluster-id]");
  const ontoId = onto ? Number(onto.dataset.cardId || onto.dataset.clusterId) : null;
  if (ontoId && ontoId !== cardId && may("group")) await send("card_group", { card_id: cardId, onto_id: ontoId });
  else await moveCard(cardId, Number(column.dataset.columnId));
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
