import http.client, threading, time, sys
end = time.time() + float(sys.argv[1]); counts = {}
def worker(path):
    c = http.client.HTTPConnection("127.0.0.1", 18091); n = 0
    while time.time() < end:
        c.request("GET", path); c.getresponse().read(); n += 1
    counts.setdefault(path, []).append(n)
ts = [threading.Thread(target=worker, args=(p,)) for p in ["/ledger?a"]*4 + ["/snapshot"]*2]
[t.start() for t in ts]; [t.join() for t in ts]
print({k: sum(v) for k, v in counts.items()})
