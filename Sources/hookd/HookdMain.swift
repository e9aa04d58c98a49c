import ArgumentParser
import HookLinux

/// Applies the process hardening, then runs the command line.
@main
enum HookdMain {
    static func main() async {
        // First, while hookd is still one thread: from here on no crash can put a credential in a
        // core file, and a peer that hangs up cannot kill the process with SIGPIPE.
        for failure in ProcessHardening.applyAtStart() {
            var standardError = StandardError()
            print("hookd: warning: could not apply \(failure)", to: &standardError)
        }
        await HookdCommand.main(nil)
    }
}
