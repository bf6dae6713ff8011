async def test_scratch(app, anon, world, client_factory):
    for m, p in [("OPTIONS", "/api/v1/me"), ("OPTIONS", "/host"), ("GET", "/host"), ("GET","/api/v1/me"), ("POST","/api/v1/auth/logout"), ("POST","/logout"), ("GET","/events/2027/roster.csv"), ("GET", "/schema"), ("GET","/schema/openapi.json"), ("GET","/schema/foo"), ("GET","/schema/oauth2-redirect.html"), ("HEAD","/static/css/app.css"), ("GET","/nope"), ("GET","/api/v1/nope"),("GET","/api/v1/challenges?page=99999999999"), ("GET","/api/v1/challenges?q=a%00b"), ("GET","/challenges/a%00b"), ("GET","/api/v1/challenges/a%00b")]:
        r = await anon.raw.request(m, p)
        print(m, p, r.status_code, r.headers.get("location"), r.headers.get("content-type"), r.text[:150].replace("\n"," "))
    alice = await client_factory(world.alice)
    print(alice.raw.cookies)
    r = await alice.raw.post("/api/v1/auth/logout")
    print("nocsrf", r.status_code, r.headers, r.text[:300])
    r = await alice.raw.post("/api/v1/auth/logout", headers={"x-csrftoken": "wrong"})
    print("wrong", r.status_code, r.text[:300])
    r = await alice.raw.post("/logout", data={"a": "b"})
    print("form nocsrf", r.status_code, r.headers.get("content-type"), r.text[:300])
    r = await alice.raw.post("/api/v1/auth/login", content='{"email":"alice@example.org","password":"correct horse battery"}', headers={"content-type": "text/plain", "x-csrftoken": alice.csrf})
    print("textplain", r.status_code, r.text[:300])
