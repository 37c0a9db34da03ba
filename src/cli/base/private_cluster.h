// A private, throw-away PostgreSQL cluster for `learnerscore demo` without
// --dsn: a temporary directory, initdb, a server on a Unix socket only (no TCP
// listener), run as the `postgres` account when we are root. The destructor
// stops the server and removes the directory, also after Ctrl-C.
#pragma once
#include <string>
#include <vector>

namespace lscli {

class PrivateCluster {
public:
    PrivateCluster();
    ~PrivateCluster();
    PrivateCluster(const PrivateCluster&) = delete;
    PrivateCluster& operator=(const PrivateCluster&) = delete;

    std::string dsn() const;
    const std::string& dir() const { return dir_; }

private:
    std::vector<std::string> as_server_user(std::vector<std::string> argv) const;
    std::string dir_;
    std::string bindir_;
    int port_ = 0;
    bool running_ = false;
    bool as_root_ = false;
};

}  // namespace lscli
