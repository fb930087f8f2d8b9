#include "test_http_server.h"

#include <sys/socket.h>

#include <cstdio>

#include <boost/beast/core/flat_buffer.hpp>

namespace redispair::kube::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

TestHttpServer::TestHttpServer(Handler handler)
    : handler_(std::move(handler)),
      acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

TestHttpServer::~TestHttpServer() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    // shutdown(2) wakes threads blocked in accept/read on these descriptors.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  stop_cv_.notify_all();
  accept_thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(conn_threads_);
  }
  for (std::thread& t : threads) t.join();
}

std::vector<TestRequest> TestHttpServer::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

bool TestHttpServer::WaitForStop(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return stop_cv_.wait_for(lock, timeout, [this] { return stopping_; });
}

void TestHttpServer::AcceptLoop() {
  while (true) {
    beast::error_code ec;
    TestSocket socket(ioc_);
    acceptor_.accept(socket, ec);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (ec) continue;
    ++connections_;
    open_fds_.push_back(socket.native_handle());
    conn_threads_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
  }
}

void TestHttpServer::Serve(TestSocket socket) {
  beast::flat_buffer buffer;
  while (true) {
    TestRequest request;
    beast::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) break;
    ++requests_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back(request);
    }
    if (!handler_(request, socket)) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  std::lock_guard<std::mutex> lock(mu_);
  std::erase(open_fds_, socket.native_handle());
  socket.close(ignored);
}

void WriteRaw(TestSocket& socket, std::string_view bytes) {
  beast::error_code ignored;
  asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ignored);
}

void WriteResponse(TestSocket& socket, int status, std::string_view body,
                   std::string_view content_type, bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, std::string(content_type));
  if (!keep_alive) response.set(http::field::connection, "close");
  response.body() = std::string(body);
  response.prepare_payload();
  beast::error_code ignored;
  http::write(socket, response, ignored);
}

std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

std::string ChunkedHeader(int status) {
  return "HTTP/1.1 " + std::to_string(status) +
         " Whatever\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
}

}  // namespace redispair::kube::testing
