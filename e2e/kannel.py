"""A real Kannel on loopback, for the SMS tests and the notification benchmark: bearerbox and smsbox
with Kannel's own fake SMS centre (fakesmsc) standing for the carrier's SMPP provider. What fakesmsc
receives is what a phone would: each segment with its concatenation header, reassembled here."""
import re
import socket
import subprocess
import threading
import time
import urllib.parse

from conftest import free_port

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
PASSWORD = "sms-secret"
LINE = re.compile(r"Got message \d+: <(\S+) (\S+) (?:udh (\S+) )?(?:text|data|ucs-2) (.*)>")


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port, log):
    deadline = time.monotonic() + 10
    while not port_open(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kannel did not open port {port}: {log.read_text()[-2000:]}")
        time.sleep(0.05)


class Kannel:
    """Starts the three processes in `folder`; `url` is smsbox's sendsms (user doorstep, PASSWORD)."""

    def __init__(self, folder):
        admin, box, smsc, sendsms = (free_port() for _ in range(4))
        config = folder / "kannel.conf"
        config.write_text("\n".join([
            "group = core", f"admin-port = {admin}", "admin-password = admin-secret", f"smsbox-port = {box}", "box-allow-ip = 127.0.0.1", "",
            "group = smsc", "smsc = fake", "smsc-id = fake", f"port = {smsc}", "connect-allow-ip = 127.0.0.1", "",
            "group = smsbox", "bearerbox-host = 127.0.0.1", f"sendsms-port = {sendsms}", "",
            "group = sendsms-user", "username = doorstep", f"password = {PASSWORD}", "max-messages = 4", "concatenation = true", "",
            "group = sms-service", "keyword = default", 'text = "ok"', ""]))
        self.folder, self.url = folder, f"http://doorstep@127.0.0.1:{sendsms}"
        self.lines, self._lock, self.processes = [], threading.Lock(), []
        try:
            self.processes.append(subprocess.Popen(["bearerbox", str(config)], stdout=open(folder / "bearerbox.log", "w"), stderr=subprocess.STDOUT))
            wait_for_port(smsc, folder / "bearerbox.log")
            centre = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(smsc), "-i", "1000", "-m", "0", "x"],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.processes.append(centre)
            threading.Thread(target=self._read, args=(centre.stdout,), daemon=True).start()
            self.processes.append(subprocess.Popen(["smsbox", str(config)], stdout=open(folder / "smsbox.log", "w"), stderr=subprocess.STDOUT))
            wait_for_port(sendsms, folder / "smsbox.log")
        except BaseException:
            self.stop()
            raise

    def _read(self, stream):
        """Each line fakesmsc prints, stamped when it arrives (for latencies), and kept in a log."""
        with open(self.folder / "fakesmsc.log", "w") as log:
            for line in stream:
                with self._lock:
                    self.lines.append((time.monotonic(), line))
                log.write(line)
                log.flush()

    def arrivals(self):
        """Whole messages as [(time the last segment arrived, number, bytes)], the parts of a
        concatenated message (UDH 05 00 03 ref total seq) joined in order."""
        with self._lock:
            lines = list(self.lines)
        whole, parts = [], {}
        for at, line in lines:
            match = LINE.search(line)
            if not match:
                continue
            _, to, udh, payload = match.groups()
            data = urllib.parse.unquote_to_bytes(payload.replace("+", " "))
            if not udh:
                whole.append((at, to, data))
                continue
            header = urllib.parse.unquote_to_bytes(udh)
            reference, total, sequence = header[3], header[4], header[5]
            parts.setdefault((to, reference), {})[sequence] = data
            if len(parts[(to, reference)]) == total:
                segments = parts.pop((to, reference))
                whole.append((at, to, b"".join(segments[i] for i in range(1, total + 1))))
        return whole

    def received(self):
        """The texts the centre received, as {number: [bytes, …]}."""
        texts = {}
        for _, to, data in self.arrivals():
            texts.setdefault(to, []).append(data)
        return texts

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
