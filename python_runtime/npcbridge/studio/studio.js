// NPC Bridge Studio: write characters, talk to them, try the filter, make portraits.
// Everything goes through the host's HTTP face (POST /v1/<Service>/<Method>, SSE for streams).
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { characters: [], selected: null, sessionId: null, info: null, expressions: [] };

// ---- calls -------------------------------------------------------------------------

function headers() {
  const token = localStorage.getItem("npcbridge-token") || "";
  const h = { "content-type": "application/json" };
  if (token) h.authorization = "Bearer " + token;
  return h;
}

class CallError extends Error {
  constructor(body) { super(`${body.code}: ${body.message}`); this.code = body.code; }
}

async function api(service, method, body) {
  const response = await fetch(`/v1/${service}/${method}`, { method: "POST", headers: headers(), body: JSON.stringify(body || {}) });
  const data = await response.json();
  if (!response.ok) throw new CallError(data);
  return data;
}

// A server-streaming RPC over Server-Sent Events (POST, so fetch rather than EventSource).
async function stream(service, method, body, onMessage) {
  const response = await fetch(`/v1/${service}/${method}`, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  if (!response.ok) throw new CallError(await response.json());
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block);
      const data = /^data: (.*)$/m.exec(block);
      if (!data) continue;
      const message = JSON.parse(data[1]);
      if (event && event[1] === "error") throw new CallError(message);
      onMessage(message);
    }
  }
}

function showError(error) {
  const box = $("#error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

async function guarded(work) {
  showError(null);
  try { return await work(); } catch (error) { showError(error); }
}

// ---- tabs and server info ----------------------------------------------------------------

document.querySelectorAll("nav button").forEach((button) => button.addEventListener("click", () => {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b === button));
  document.querySelectorAll(".tab").forEach((t) => { t.hidden = t.id !== "tab-" + button.dataset.tab; });
}));

async function loadServerInfo() {
  const info = await api("Runtime", "GetServerInfo", { clientName: "npcbridge-studio" });
  state.info = info;
  const model = (info.models || []).find((m) => m.kind === "dialogue") || {};
  const caps = Object.entries(info.capabilities || {}).filter(([, v]) => v).map(([k]) => k).join(", ");
  $("#server-line").textContent = `runtime ${info.runtimeVersion} · ${model.name || "?"} on ${model.device || "?"} · ${caps}`;
  $("#server-info").textContent = JSON.stringify(info, null, 2);
}

// ---- characters ------------------------------------------------------------------------

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
const commas = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

function actionsFromText(text, previous) {
  const known = Object.fromEntries((previous || []).map((a) => [a.name, a]));
  return lines(text).map((line) => {
    const [name, rest = ""] = line.split(/:(.*)/s);
    const [description, ...examples] = rest.split("|").map((s) => s.trim());
    const action = { name: name.trim(), description: description || "", examples: examples.filter(Boolean) };
    if (known[action.name] && known[action.name].parametersSchema) action.parametersSchema = known[action.name].parametersSchema;
    return action;
  });
}

function actionsToText(actions) {
  return (actions || []).map((a) => [`${a.name}: ${a.description || ""}`, ...(a.examples || [])].join(" | ")).join("\n");
}

function formToCharacter() {
  const f = $("#character-form").elements;
  return {
    id: f.id.value.trim(), name: f.name.value.trim(), persona: f.persona.value, backstory: f.backstory.value,
    speakingStyle: f.speakingStyle.value, knowledge: lines(f.knowledge.value), greeting: f.greeting.value,
    safetyPolicy: f.safetyPolicy.value, deflections: lines(f.deflections.value), emotions: commas(f.emotions.value),
    knowledgeCollections: commas(f.knowledgeCollections.value),
    actions: actionsFromText(f.actions.value, state.selected && state.selected.actions),
  };
}

function characterToForm(c) {
  const f = $("#character-form").elements;
  c = c || {};
  f.id.value = c.id || ""; f.name.value = c.name || ""; f.persona.value = c.persona || "";
  f.backstory.value = c.backstory || ""; f.speakingStyle.value = c.speakingStyle || "";
  f.knowledge.value = (c.knowledge || []).join("\n"); f.greeting.value = c.greeting || "";
  f.safetyPolicy.value = c.safetyPolicy || ""; f.deflections.value = (c.deflections || []).join("\n");
  f.emotions.value = (c.emotions || []).join(", "); f.knowledgeCollections.value = (c.knowledgeCollections || []).join(", ");
  f.actions.value = actionsToText(c.actions);
}

async function loadCharacters(selectId) {
  const { characters = [] } = await api("Dialogue", "ListCharacters", {});
  state.characters = characters;
  const list = $("#character-list");
  list.innerHTML = "";
  for (const c of characters) {
    const item = document.createElement("li");
    item.textContent = c.name || c.id;
    item.dataset.id = c.id;
    item.addEventListener("click", () => select(c.id));
    list.appendChild(item);
  }
  if (selectId) select(selectId);
}

function select(id) {
  state.selected = state.characters.find((c) => c.id === id) || null;
  state.sessionId = null;
  document.querySelectorAll("#character-list li").forEach((li) => li.classList.toggle("selected", li.dataset.id === id));
  characterToForm(state.selected);
  $("#chat-title").textContent = state.selected ? `Chat with ${state.selected.name}` : "Chat";
  $("#transcript").innerHTML = "";
}

$("#new-character").addEventListener("click", () => select(null));
$("#character-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const saved = await api("Dialogue", "UpsertCharacter", { character: formToCharacter() });
    await loadCharacters(saved.id);
  });
});
$("#delete-character").addEventListener("click", () => guarded(async () => {
  if (!state.selected) return;
  await api("Dialogue", "DeleteCharacter", { id: state.selected.id });
  await loadCharacters(null);
  select(null);
}));

// ---- chat --------------------------------------------------------------------------------

function addMessage(kind, who) {
  const div = document.createElement("div");
  div.className = "msg " + kind;
  const name = document.createElement("span");
  name.className = "who";
  name.textContent = who + ":";
  div.appendChild(name);
  $("#transcript").appendChild(div);
  return div;
}

function addPart(message, className, text) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  message.appendChild(span);
  $("#transcript").scrollTop = $("#transcript").scrollHeight;
  return span;
}

$("#new-session").addEventListener("click", () => { state.sessionId = null; $("#transcript").innerHTML = ""; });
$("#say-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("#say-text").value.trim();
  if (!text || !state.selected) { showError(state.selected ? null : "Save or pick a character first."); return; }
  $("#say-text").value = "";
  $("#say-send").disabled = true;
  guarded(async () => {
    if (!state.sessionId) {
      state.sessionId = (await api("Dialogue", "CreateSession", { characterId: state.selected.id, playerId: "studio" })).id;
    }
    addPart(addMessage("player", "You"), "text", text);
    const npc = addMessage("npc", state.selected.name);
    const said = addPart(npc, "text", "");
    await stream("Dialogue", "Say", { sessionId: state.sessionId, text }, (m) => {
      if (m.emotion) npc.insertBefore(Object.assign(document.createElement("span"), { className: "emotion", textContent: m.emotion.label }), said);
      else if (m.textDelta) said.textContent += m.textDelta.text;
      else if (m.action) addPart(npc, "action", `-> ${m.action.name} ${m.action.argumentsJson || "{}"}`);
      else if (m.moderation) addPart(npc, "notice", `[moderation ${m.moderation.source} ${m.moderation.action}] ${m.moderation.message || ""}`);
      else if (m.completed) {
        if (m.completed.text && m.completed.text !== said.textContent) said.textContent = m.completed.text;
        const t = m.completed.timings || {};
        addPart(npc, "timings", `${m.completed.finishReason} · first word ${Math.round(t.ttftMs || 0)} ms · ` +
          `${Math.round(t.totalMs || 0)} ms · ${(t.tokensPerSecond || 0).toFixed(1)} tok/s`);
      }
    });
  }).finally(() => { $("#say-send").disabled = false; });
});

// ---- moderation and avatars ----------------------------------------------------------------

$("#moderation-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const result = await api("Moderation", "Check", { text: $("#moderation-text").value, policy: $("#moderation-policy").value, context: "player" });
    $("#moderation-result").textContent = JSON.stringify(result, null, 2);
  });
});

// With "every expression" the same seeds are generated once per expression, one gallery row each.
$("#avatar-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const chosen = $("#avatar-expression").value;
  const expressions = chosen === "*" ? state.expressions : [chosen];
  const request = { description: $("#avatar-description").value, count: Number($("#avatar-count").value) || 1 };
  request.seed = $("#avatar-seed").value !== "" ? $("#avatar-seed").value : String(Math.floor(Math.random() * 2 ** 31));
  $("#avatar-generate").disabled = true;
  guarded(async () => {
    for (const expression of expressions) {
      const row = document.createElement("div");
      row.className = "gallery-row";
      $("#gallery").prepend(row);
      await stream("Avatars", "Generate", { ...request, expression }, (m) => {
        if (m.progress) $("#avatar-progress").textContent = `${expression || "neutral"}: ${m.progress.stage || "working"} ${m.progress.completed}/${m.progress.total}`;
        if (m.avatar) row.append(avatarFigure(m.avatar));
      });
    }
  }).finally(() => { $("#avatar-generate").disabled = false; });
});

function avatarFigure(a) {
  const figure = document.createElement("figure");
  const img = Object.assign(document.createElement("img"), { src: "data:image/png;base64," + a.png, alt: a.id });
  const spec = new Blob([JSON.stringify(a.spec || {}, null, 2)], { type: "application/json" });
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(spec), download: a.id + ".json", textContent: "spec" });
  const png = Object.assign(document.createElement("a"), { href: img.src, download: a.id + ".png", textContent: "png" });
  const caption = document.createElement("figcaption");
  const attributes = Object.values((a.spec || {}).attributes || {}).join(", ");
  caption.append(`seed ${a.seed} · ${(a.spec || {}).expression || "neutral"} · ${attributes} · `, png, " ", link);
  figure.append(img, caption);
  return figure;
}

async function loadExpressions() {
  if (!(state.info.capabilities || {}).avatars) return;
  const reply = await api("Avatars", "ListAttributes", {});
  state.expressions = (reply.expressions || []).map((e) => e.name);
  if (!state.expressions.length) return;
  const select = $("#avatar-expression");
  select.replaceChildren(...state.expressions.map((name) => Object.assign(document.createElement("option"), { value: name, textContent: name })),
    Object.assign(document.createElement("option"), { value: "*", textContent: "every expression" }));
}

// ---- start -----------------------------------------------------------------------------------

$("#token").value = localStorage.getItem("npcbridge-token") || "";
$("#token").addEventListener("change", () => {
  localStorage.setItem("npcbridge-token", $("#token").value.trim());
  start();
});

function start() {
  guarded(async () => { await loadServerInfo(); await loadCharacters(null); await loadExpressions(); });
}
start();
