import Dispatch
import HookRPC
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// What the command line says about how to run the daemon.
public struct DaemonOptions: Sendable {
    public var configPath: String?
    public var socketPath: String?
    public var stateDirectory: String?

    public init(configPath: String? = nil, socketPath: String? = nil, stateDirectory: String? = nil) {
        self.configPath = configPath
        self.socketPath = socketPath
        self.stateDirectory = stateDirectory
    }
}

/// The daemon's life: configuration, listening socket, signals, systemd notifications, shutdown.
public enum Daemon {
    /// Exit status for a configuration that cannot be used (sysexits' EX_CONFIG).
    public static let configurationExitCode: Int32 = 78
    /// Exit status when the socket cannot be listened on (EX_UNAVAILABLE).
    public static let unavailableExitCode: Int32 = 69

    /// Checks a configuration file as start-up would, without starting anything.
    public static func checkConfiguration(path: String) -> Result<DaemonConfiguration, ConfigurationError> {
        let loader = ConfigurationLoader(environment: SocketPath.currentEnvironment(), daemonUserID: geteuid())
        return Result { () throws(ConfigurationError) in try loader.load(path: path) }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    /// - Returns: the process exit status (0 after a clean shutdown).
    public static func run(_ options: DaemonOptions, logger baseLogger: Logger) -> Int32 {
        var logger = baseLogger
        let environment = SocketPath.currentEnvironment()
        let userID = geteuid()
        let loader = ConfigurationLoader(environment: environment, daemonUserID: userID)
        var configuration = DaemonConfiguration()
        if let path = options.configPath {
            do {
                configuration = try loader.load(path: path)
            } catch {
                logger.critical("configuration error: \(error.description)")
                return configurationExitCode
            }
        }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info

        let directories = DaemonDirectories.resolve(
            environment: environment, userID: userID,
            stateOverride: options.stateDirectory ?? configuration.stateDirectory, logsOverride: configuration.logsDirectory)
        configuration.stateDirectory = directories.state
        configuration.logsDirectory = directories.logs
        guard makeDirectory(directories.state, mode: 0o700) else {
            logger.critical("cannot create the state directory \(directories.state): \(String(cString: strerror(errno)))")
            return unavailableExitCode
        }

        let address = listenAddress(options: options, configuration: configuration, environment: environment, userID: userID)
        configuration.socketPath = address.path
        let state = DaemonState(configuration: configuration, loader: loader, daemonUserID: userID)
        let notifier = SystemdNotifier(environment: environment)

        let credentials: CredentialSubsystem
        do throws(CredentialSubsystem.StartError) {
            credentials = try CredentialSubsystem(configuration: configuration, directories: directories,
                                                  environment: environment, health: state.health, logger: logger)
        } catch {
            logger.critical("\(error.description)")
            return unavailableExitCode
        }
        defer { waitFor { await credentials.shutdown() } }
        let alerts: AlertSubsystem
        do {
            alerts = try AlertSubsystem(configuration: configuration, directories: directories, health: state.health, logger: logger)
        } catch {
            logger.critical("cannot start alerting: \(error)")
            return unavailableExitCode
        }
        defer { waitFor { await alerts.shutdown() } }
        waitFor { [logger] in await alerts.loadOverrides(from: credentials.registry, logger: logger) }

        let validation = ValidationService(registry: credentials.registry, credentials: credentials.service,
                                           settings: configuration.validation) { result in
            alerts.emit(topic: "webhook/validations") { result.logJSON }
        }
        defer { waitFor { await validation.shutdown() } }
        let methods = MethodCatalogue.build(state: state, credentials: credentials, alerts: alerts, validation: validation, logger: logger) { [logger] outcome in
            switch outcome {
            case .success(let fresh):
                credentials.reopenLogs()
                alerts.reopenLogs()
                logger.info("configuration reloaded", metadata: ["config": "\(fresh.sourcePath ?? "-")"])
            case .failure(let error): logger.error("configuration not reloaded: \(error.description)")
            }
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads ?? System.coreCount)
        defer { try? group.syncShutdownGracefully() }
        let server = HookServer(group: group, dispatcher: RPCDispatcher(methods: methods), state: state, logger: logger)
        let listener: Channel
        do {
            listener = try server.start(at: address)
        } catch {
            logger.critical("\(error.description)")
            return unavailableExitCode
        }
        logger.info("hookd \(hookdVersion) listening", metadata: ["socket": "\(address)", "state_dir": "\(directories.state)"])
        notifier.ready(status: "serving on \(address)")

        let alertTimer = alerts.startTimer(on: group.next())
        let watchdog = notifier.watchdogIntervalMicroseconds.map { interval in
            group.next().scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(Int64(interval))) { _ in notifier.watchdog() }
        }

        let stopRequested = group.next().makePromise(of: Int32.self)
        let signals = SignalWatcher()
        signals.watch(SIGTERM) { stopRequested.succeed(SIGTERM) }
        signals.watch(SIGINT) { stopRequested.succeed(SIGINT) }
        signals.watch(SIGHUP) { [logger] in
            notifier.reloading()
            credentials.reopenLogs()
            alerts.reopenLogs()
            do throws(ConfigurationError) {
                let fresh = try state.reload()
                logger.info("configuration reloaded on SIGHUP", metadata: ["config": "\(fresh.sourcePath ?? "-")"])
            } catch {
                logger.error("configuration not reloaded: \(error.description)")
            }
            notifier.ready(status: "serving on \(address)")
        }
        signal(SIGPIPE, SIG_IGN)

        let signalNumber = (try? stopRequested.futureResult.wait()) ?? SIGTERM
        logger.info("stopping", metadata: ["signal": "\(signalNumber)"])
        notifier.stopping()
        watchdog?.cancel()
        alertTimer.cancel()
        signals.cancelAll()
        try? listener.close().wait()
        server.drainConnections(grace: .seconds(Int64(state.configuration.limits.shutdownGraceSeconds)))
        if let path = address.path { unlink(path) }
        logger.info("stopped")
        return 0
    }

    /// Runs async clean-up from the synchronous shutdown path, bounded to a few seconds.
    private static func waitFor(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
    }

    /// `--socket` > `$HOOKD_SOCKET` > systemd's socket > `hookd.socket` > the conventional path.
    static func listenAddress(options: DaemonOptions, configuration: DaemonConfiguration, environment: [String: String], userID: UInt32) -> ListenAddress {
        let explicit = options.socketPath ?? environment["HOOKD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let inherited = SystemdActivation.takeListeningDescriptor(environment: environment)
        if let explicit { return .unixSocket(path: explicit) }
        if let inherited { return .inheritedSocket(descriptor: inherited) }
        if let configured = configuration.socketPath { return .unixSocket(path: configured) }
        return .unixSocket(path: SocketPath.resolve(environment: environment, userID: userID, forClient: false))
    }

    private static func makeDirectory(_ path: String, mode: mode_t) -> Bool {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST { return false }
        }
        return true
    }
}

/// Runs handlers for Unix signals on a private queue instead of in signal context.
final class SignalWatcher: @unchecked Sendable {
    // Only touched from the thread that runs the daemon (watch, cancelAll).
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "hookd.signals")

    func watch(_ number: Int32, _ handler: @escaping @Sendable () -> Void) {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
        sources.append(source)
    }

    func cancelAll() {
        sources.forEach { $0.cancel() }
        sources.removeAll()
    }
}
