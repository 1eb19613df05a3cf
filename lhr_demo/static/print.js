// The print view's button (a file, not inline script: the CSP allows 'self' scripts only).
document.addEventListener("DOMContentLoaded", function () {
  var b = document.getElementById("print-button");
  if (b) { b.addEventListener("click", function () { window.print(); }); }
});
