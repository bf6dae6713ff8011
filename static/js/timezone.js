// Tells the server the browser's time zone (cookie `tz`), so that pages can show times in it too.
// The server checks that it is a real IANA zone; an account's own choice (/me/timezone) comes first.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\/-]{1,64}$/.test(zone)) {
    return;
  }
  var current = document.cookie.split("; ").filter(function (c) { return c.indexOf("tz=") === 0; })[0];
  if (current !== "tz=" + zone) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "tz=" + zone + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
  }
})();
