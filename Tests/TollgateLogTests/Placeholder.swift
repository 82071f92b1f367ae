import Testing
@testable import TollgateLog

