// Runs before the page is drawn: styles for "JavaScript available" apply from the first paint.
document.documentElement.classList.replace("no-js", "js");
