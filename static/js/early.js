// Runs before the page is drawn (a classic script in <head>): styles for the
// scripted page, such as the phone menu starting closed, apply from the start.
document.documentElement.classList.add("js");
