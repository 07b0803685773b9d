"""The HTTP verb methods the tests' small clients share: a class with
request(method, path, **kw) gets get/head/put/post/patch/delete from
HttpVerbs (conftest.Wharf and the stress and audit clients do)."""


class HttpVerbs:
    """get(path, **kw) ... delete(path, **kw) over self.request."""

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)
