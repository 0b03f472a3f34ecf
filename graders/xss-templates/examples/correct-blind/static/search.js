// Reads the page's data from the JSON block: no inline script needed, so the CSP can forbid them.
const data = JSON.parse(document.getElementById("page-data").textContent);
document.title = "Search: " + data.query;
