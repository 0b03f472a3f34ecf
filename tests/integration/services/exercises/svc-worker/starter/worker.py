import time

if __name__ == "__main__":
    print("worker: started, taking no jobs yet", flush=True)
    while True:  # TODO: take jobs from the Redis list "queue" and mark them done
        time.sleep(1)
