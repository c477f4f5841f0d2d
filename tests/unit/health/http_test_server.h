// Real HTTP and HTTPS servers on 127.0.0.1 (cpp-httplib on its own thread)
// for the HTTP_GET / SSL_GET tests, with a certificate made at test time.
#ifndef DSRLB_TESTS_UNIT_HEALTH_HTTP_TEST_SERVER_H_
#define DSRLB_TESTS_UNIT_HEALTH_HTTP_TEST_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "tests/testutil/temp_dir.h"

namespace dsrlb::health::testing {

// Routes: /ok "hello dsrlb"; /status/500; /status/401; /vhost 200 only for Host
// www.example.test; /peer answers the client's address; /toggle answers
// set_toggle_status()'s status (500 at first).
class HttpTestServer {
 public:
  static constexpr const char* kOkBody = "hello dsrlb";
  static constexpr const char* kOkMd5 = "973145a57184570649d517d871d16a32";

  // tls: a self-signed EC certificate is generated with the openssl CLI.
  explicit HttpTestServer(bool tls = false) {
    if (tls) {
      const std::string cmd =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
          "-nodes -days 1 -subj /CN=localhost -keyout " +
          dir_.File("key.pem") + " -out " + dir_.File("cert.pem") +
          " >/dev/null 2>&1";
      if (system(cmd.c_str()) != 0) return;
      server_ = std::make_unique<httplib::SSLServer>(
          dir_.File("cert.pem").c_str(), dir_.File("key.pem").c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    server_->Get("/ok", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kOkBody, "text/plain");
    });
    server_->Get("/status/500",
                 [](const httplib::Request&, httplib::Response& res) {
                   res.status = 500;
                   res.set_content("broken", "text/plain");
                 });
    server_->Get("/status/401",
                 [](const httplib::Request&, httplib::Response& res) {
                   res.status = 401;
                   res.set_content("who are you", "text/plain");
                 });
    server_->Get("/vhost",
                 [](const httplib::Request& req, httplib::Response& res) {
                   const std::string host = req.get_header_value("Host");
                   res.status = host == "www.example.test" ? 200 : 404;
                   res.set_content(host, "text/plain");
                 });
    server_->Get("/peer",
                 [](const httplib::Request& req, httplib::Response& res) {
                   res.set_content(req.remote_addr, "text/plain");
                 });
    server_->Get("/toggle",
                 [this](const httplib::Request&, httplib::Response& res) {
                   res.status = toggle_status_.load();
                   res.set_content("toggle", "text/plain");
                 });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ > 0)
      thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~HttpTestServer() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }
  void set_toggle_status(int status) { toggle_status_ = status; }
  bool ok() const { return port_ > 0; }
  uint16_t port() const { return static_cast<uint16_t>(port_); }

 private:
  dsrlb::testing::TempDir dir_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<int> toggle_status_{500};
  int port_ = -1;
  std::thread thread_;
};

}  // namespace dsrlb::health::testing

#endif  // DSRLB_TESTS_UNIT_HEALTH_HTTP_TEST_SERVER_H_
