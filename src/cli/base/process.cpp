#include "cli/base/process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace lscli {

int run_process(const std::vector<std::string>& argv, const std::string& log_path, const std::string& cwd) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!log_path.empty()) {
            int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string pg_bindir() {
    if (const char* env = std::getenv("LS_PG_BINDIR"); env && *env) return env;
    std::string pg_config = std::getenv("PG_CONFIG") ? std::getenv("PG_CONFIG") : "/usr/lib/postgresql/15/bin/pg_config";
    if (FILE* p = popen((pg_config + " --bindir 2>/dev/null").c_str(), "r")) {
        char buf[4096] = {0};
        std::string out = std::fgets(buf, sizeof(buf), p) ? buf : "";
        pclose(p);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        if (!out.empty() && std::filesystem::exists(out + "/initdb")) return out;
    }
    return "/usr/lib/postgresql/15/bin";
}

}  // namespace lscli
