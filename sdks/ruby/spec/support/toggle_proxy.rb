# frozen_string_literal: true

require "socket"

# A TCP proxy in front of the test server that can be switched off: while down, it cuts every
# connection (open ones too), as a network failure or a restarting server would.
class ToggleProxy
  attr_reader :url

  def initialize(upstream_port)
    @upstream_port = upstream_port
    @listener = TCPServer.new("127.0.0.1", 0)
    @url = "http://127.0.0.1:#{@listener.addr[1]}"
    @up = true
    @sockets = []
    @lock = Mutex.new
    @acceptor = Thread.new { accept_loop }
  end

  def down!
    @lock.synchronize do
      @up = false
      @sockets.each { |s| s.close unless s.closed? }
      @sockets.clear
    end
  end

  def up!
    @lock.synchronize { @up = true }
  end

  def close
    down!
    @acceptor.kill
    @listener.close
  end

  private

  def accept_loop
    loop do
      client = @listener.accept
      up = @lock.synchronize { @up && @sockets.push(client) }
      next client.close unless up

      Thread.new { pipe(client) }
    end
  rescue IOError
    nil
  end

  def pipe(client)
    upstream = TCPSocket.new("127.0.0.1", @upstream_port)
    @lock.synchronize { @sockets << upstream }
    peers = { client => upstream, upstream => client }
    loop do
      ready, = IO.select(peers.keys)
      ready.each { |from| peers[from].write(from.readpartial(64 * 1024)) }
    end
  rescue IOError, SystemCallError
    [client, upstream].each { |s| s&.close unless s&.closed? }
  end
end
