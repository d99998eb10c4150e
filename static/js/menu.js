// The phone menu: on narrow screens the navigation, search and language switch
// fold behind one "Menu" button (a disclosure: aria-expanded says its state).
// Escape closes it and returns to the button. Wide screens always show everything.
const toggle = document.querySelector(".menu-toggle");
const menu = document.getElementById("site-menu");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("is-open", open);
}

if (toggle && menu) {
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && getComputedStyle(toggle).display !== "none") {
      setOpen(false);
      toggle.focus();
    }
  });
}
