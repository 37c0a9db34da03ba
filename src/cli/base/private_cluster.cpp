#include "cli/base/private_cluster.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "cli/base/process.h"

namespace lscli {

PrivateCluster::PrivateCluster() : bindir_(pg_bindir()), as_root_(geteuid() == 0) {
    char tmpl[] = "/tmp/learnerscore-demo-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory");
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);
    if (as_root_) {
        struct passwd* pw = getpwnam("postgres");
        if (!pw) throw std::runtime_error("running as root but there is no `postgres` account (install postgresql-15)");
        if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + dir_);
    }
    port_ = 20000 + static_cast<int>(getpid() % 20000);
    std::string log = dir_ + "/setup.log";
    std::printf("== starting a private PostgreSQL cluster in %s\n", dir_.c_str());
    int rc = run_process(as_server_user({bindir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "--auth=trust",
                                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"}),
                         log, "/");
    if (rc != 0) throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + ")");
    rc = run_process(as_server_user({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-o",
                                     "-p " + std::to_string(port_) + " -k " + dir_ + " -c listen_addresses='' -c fsync=off",
                                     "start"}),
                     "/dev/null", "/");
    if (rc != 0) throw std::runtime_error("pg_ctl start failed; see " + dir_ + "/server.log");
    running_ = true;
}

std::vector<std::string> PrivateCluster::as_server_user(std::vector<std::string> argv) const {
    if (!as_root_) return argv;
    std::vector<std::string> out = {"runuser", "-u", "postgres", "--"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

PrivateCluster::~PrivateCluster() {
    if (running_) {
        run_process(as_server_user({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "stop"}), "/dev/null", "/");
        std::printf("== private cluster stopped\n");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string PrivateCluster::dsn() const {
    return "host=" + dir_ + " port=" + std::to_string(port_) + " user=postgres dbname=postgres";
}

}  // namespace lscli
